-- top_customers: at its defaults (the whole history), any $limit, the top of the per-customer summary, which
-- holds every customer with an order and the same spend, counts and average order value. The top is taken
-- before the ranks are numbered, so only the $limit rows kept are ranked.
-- from: mart_customer_summary
with

top as (
    select s.*
    from source as s
    order by s.total_spend desc, s.customer_id asc
    limit $limit
)

select
    row_number() over (order by k.total_spend desc, k.customer_id asc) as spend_rank,
    k.customer_id,
    k.first_name,
    k.last_name,
    k.email,
    k.order_count,
    k.total_spend,
    k.avg_order_value
from top as k
order by spend_rank asc
