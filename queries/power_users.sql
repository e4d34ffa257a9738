-- power_users: the heavy buyers (at least $min_orders orders in the range): how often, how much, how long.
-- grain: one row per power user, most orders first (then spend, then customer_id).
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $min_orders int = 10 [1, 1000000]  the fewest orders that make a power user
--   $limit int = 100 [1, 1000000]  how many power users to return
-- Active months (a distinct count) are counted for the power users returned only.
-- uses: orders_in_range, customer_orders
with

with_share as (
    select
        pc.*,
        pc.total_spend / round(sum(pc.total_spend) over (), 2) as spend_share
    from customer_orders as pc
),

ranked as (
    select
        ws.*,
        row_number() over (
            order by ws.order_count desc, ws.total_spend desc, ws.customer_id asc
        ) as power_rank
    from with_share as ws
    where ws.order_count >= $min_orders
    order by power_rank asc
    limit $limit
),

active as (
    select
        r.customer_id,
        count(distinct date_trunc('month', r.order_date)) as active_months
    from orders_in_range as r
    inner join ranked as k on r.customer_id = k.customer_id
    group by r.customer_id
)

select
    k.power_rank,
    k.customer_id,
    c.first_name,
    c.last_name,
    k.order_count,
    k.total_spend,
    round(k.spend_share, 6) as spend_share,
    a.active_months,
    round(k.order_count / a.active_months, 2) as orders_per_active_month,
    k.first_order_date,
    k.last_order_date
from ranked as k
inner join customers as c on k.customer_id = c.customer_id
inner join active as a on k.customer_id = a.customer_id
order by k.power_rank asc
