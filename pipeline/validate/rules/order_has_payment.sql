-- table: orders
-- column: order_id
-- rule: every order has a payment
select o.order_id
from orders as o
anti join payments as p on o.order_id = p.order_id
