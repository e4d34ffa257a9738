-- customer_aov: each customer's orders, spend and average order value (AOV) in a date range.
-- grain: one row per customer with at least $min_orders orders in the range, by customer_id.
-- avg_order_value is rounded to the cent, half away from zero, from the exact total in cents.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $min_orders int = 1 [1, 1000000]  customers with fewer orders are left out
with

orders_in_range as (
    select
        o.order_id,
        o.customer_id,
        o.order_date,
        o.total_amount
    from orders as o
    where o.order_date between $start_date and $end_date
),

per_customer as (
    select
        r.customer_id,
        count(*) as order_count,
        round(sum(r.total_amount), 2) as total_spend,
        min(r.order_date) as first_order_date,
        max(r.order_date) as last_order_date
    from orders_in_range as r
    group by r.customer_id
    having count(*) >= $min_orders
)

select
    pc.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.signup_date,
    pc.order_count,
    pc.total_spend,
    round(round(pc.total_spend * 100) / pc.order_count) / 100 as avg_order_value,
    pc.first_order_date,
    pc.last_order_date
from per_customer as pc
inner join customers as c on pc.customer_id = c.customer_id
order by pc.customer_id asc
