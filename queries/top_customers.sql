-- top_customers: which customers spent the most on orders placed in a date range?
-- grain: one row per customer, best first (ties broken by customer_id); money in currency units.
-- avg_order_value is rounded to the cent, half away from zero, from the exact total in cents.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $limit int = 10 [1, 1000000]  how many customers to return
-- uses: customer_orders
with

ranked as (
    select
        s.customer_id,
        s.order_count,
        s.total_spend,
        row_number() over (order by s.total_spend desc, s.customer_id asc) as spend_rank
    from customer_orders as s
)

select
    k.spend_rank,
    k.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    k.order_count,
    k.total_spend,
    round(round(k.total_spend * 100) / k.order_count) / 100 as avg_order_value
from ranked as k
inner join customers as c on k.customer_id = c.customer_id
order by k.spend_rank asc
limit $limit
