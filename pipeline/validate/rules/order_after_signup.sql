-- table: orders
-- column: order_date
-- rule: order_date is on or after the customer's signup_date
select
    o.order_id,
    o.order_date,
    c.customer_id,
    c.signup_date
from orders as o
inner join customers as c on o.customer_id = c.customer_id
where o.order_date < c.signup_date
