-- customer: customers by key (the keys a JSON array), with how many orders each placed and what they spent
--   in all (live, not a mart).
-- columns: customer_id bigint, first_name varchar, last_name varchar, email varchar, signup_date date,
--   order_count bigint, total_spend double
select
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.signup_date,
    (
        select count(*) from orders as o
        where o.customer_id = c.customer_id
    ) as order_count,
    (
        select round(coalesce(sum(o.total_amount), 0), 2) from orders as o
        where o.customer_id = c.customer_id)
        as total_spend
from customers as c
where c.customer_id in (select k.value from json_each(?) as k)
