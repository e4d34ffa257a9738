-- customer_aov: each customer's orders, spend and average order value (AOV) in a date range.
-- grain: one row per customer with at least $min_orders orders in the range, by customer_id.
-- avg_order_value is rounded to the cent, half away from zero, from the exact total in cents.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $min_orders int = 1 [1, 1000000]  customers with fewer orders are left out
-- uses: customer_orders
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
from customer_orders as pc
inner join customers as c on pc.customer_id = c.customer_id
where pc.order_count >= $min_orders
order by pc.customer_id asc
