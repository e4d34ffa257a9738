-- revenue_timeseries on Spark: a CASE cannot mix Spark's day and month intervals.
-- queries/revenue_timeseries.sql picks the step of its period series with a CASE over INTERVAL 1 DAY, 7 DAY and
-- 1 MONTH. DuckDB has one interval type; Spark types a day interval (day-time) and a month interval
-- (year-month) differently and rejects the CASE, so here every step is a make_interval (one calendar-interval
-- type). Parameters, grain and result are those of queries/revenue_timeseries.sql, whose header is the contract.
with

orders_in_range as (
    select
        o.order_id,
        o.customer_id,
        cast(date_trunc(:grain, o.order_date) as date) as period_start,
        o.total_amount
    from orders as o
    where o.order_date between :start_date and :end_date
),

bounds as (
    select
        min(r.period_start) as first_period,
        max(r.period_start) as last_period,
        case
            when :grain = 'day' then make_interval(0, 0, 0, 1)
            when :grain = 'week' then make_interval(0, 0, 1)
            else make_interval(0, 1)
        end as step
    from orders_in_range as r
),

periods as (
    select explode(sequence(b.first_period, b.last_period, b.step)) as period_start
    from bounds as b
),

per_period as (
    select
        r.period_start,
        count(*) as order_count,
        count(distinct r.customer_id) as customer_count,
        -- DuckDB's rounding of a DOUBLE to the cent, spelled out (see pipeline/spark/transpile.py)
        round(sum(r.total_amount) * 100) / 100 as revenue
    from orders_in_range as r
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
order by ps.period_start asc nulls last
