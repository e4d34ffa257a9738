-- pass: each order beside its customer (a left join: the customer may be missing)
-- rule order_after_signup: orders.order_date
--   order_date is on or after the customer's signup_date
--   examples: order_id, order_date, customer_id, signup_date
-- foreign key: orders.customer_id
select
    o.order_id,
    o.order_date,
    o.customer_id,
    c.signup_date,
    o.order_date < c.signup_date as breaks_order_after_signup,
    c.signup_date is null as breaks_customer_id_reference
from orders as o
left join customers as c on o.customer_id = c.customer_id
