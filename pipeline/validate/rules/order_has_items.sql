-- table: orders
-- column: order_id
-- rule: every order has at least one item
select o.order_id
from orders as o
anti join order_items as i on o.order_id = i.order_id
