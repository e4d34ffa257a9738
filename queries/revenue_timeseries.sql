-- revenue_timeseries: revenue, orders and buyers per day, week (ISO, from Monday) or month.
-- grain: one row per period from the first to the last order in the date range, periods without orders
--   included with zeros so that charts show the gaps.
-- avg_order_value is rounded to the cent, half away from zero, from the exact total in cents.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $grain choice(day|week|month) = month  the length of a period
-- uses: orders_in_range
with

orders_by_period as (
    select
        r.order_id,
        r.customer_id,
        date_trunc($grain, r.order_date)::date as period_start,
        r.total_amount
    from orders_in_range as r
),

bounds as (
    select
        min(r.period_start) as first_period,
        max(r.period_start) as last_period,
        case
            when $grain = 'day' then interval 1 day
            when $grain = 'week' then interval 7 day
            else interval 1 month
        end as step
    from orders_by_period as r
),

periods as (
    select unnest(generate_series(b.first_period, b.last_period, b.step))::date as period_start
    from bounds as b
),

per_period as (
    select
        r.period_start,
        count(*) as order_count,
        count(distinct r.customer_id) as customer_count,
        round(sum(r.total_amount), 2) as revenue
    from orders_by_period as r
    group by r.period_start
)

select
    ps.period_start,
    coalesce(pp.order_count, 0) as order_count,
    coalesce(pp.customer_count, 0) as customer_count,
    coalesce(pp.revenue, 0) as revenue,
    coalesce(round(round(pp.revenue * 100) / pp.order_count) / 100, 0) as avg_order_value
from periods as ps
left join per_period as pp on ps.period_start = pp.period_start
order by ps.period_start asc
