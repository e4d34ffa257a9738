-- top_customers: at its defaults (the whole history), any $limit, the top of the per-customer summary, which
-- holds every customer with an order and the same spend, counts and average order value.
-- from: mart_customer_summary
with

ranked as (
    select
        s.*,
        row_number() over (order by s.total_spend desc, s.customer_id asc) as spend_rank
    from source as s
)

select
    k.spend_rank,
    k.customer_id,
    k.first_name,
    k.last_name,
    k.email,
    k.order_count,
    k.total_spend,
    k.avg_order_value
from ranked as k
order by k.spend_rank asc
limit $limit
