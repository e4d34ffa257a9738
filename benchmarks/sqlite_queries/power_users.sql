-- power_users: queries/power_users.sql in SQLite's dialect: date_trunc becomes strftime/date() modifiers; money is
--  summed as integer cents; shares are rounded as DuckDB rounds them; an integer division is made real.
with per_customer as (
    select
        customer_id,
        count(*) as order_count,
        sum(cast(round(total_amount * 100) as integer)) as spend_cents,
        count(distinct strftime('%Y-%m', order_date)) as active_months,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
    where order_date between :start_date and :end_date
    group by customer_id
),

with_share as (
    select
        *,
        1.0 * spend_cents / sum(spend_cents) over () as spend_share
    from per_customer
),

ranked as (
    select
        *,
        row_number() over (order by order_count desc, spend_cents desc, customer_id asc) as power_rank
    from with_share
    where order_count >= :min_orders
)

select
    k.power_rank,
    k.customer_id,
    c.first_name,
    c.last_name,
    k.order_count,
    k.spend_cents / 100.0 as total_spend,
    round((k.spend_share) * 1e6) / 1e6 as spend_share,
    k.active_months,
    round((1.0 * k.order_count / k.active_months) * 1e2) / 1e2 as orders_per_active_month,
    k.first_order_date,
    k.last_order_date
from ranked as k
inner join customers as c on k.customer_id = c.customer_id
where k.power_rank <= :limit
order by k.power_rank
