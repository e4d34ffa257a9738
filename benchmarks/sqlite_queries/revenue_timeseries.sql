-- revenue_timeseries: queries/revenue_timeseries.sql in SQLite's dialect: date_trunc becomes strftime/date()
--  modifiers; money is summed as integer cents; an integer division is made real.
with orders_in_range as (
    select
        customer_id,
        cast(round(total_amount * 100) as integer) as cents,
        case :grain
            when 'day' then order_date
            when 'week' then date(order_date, '-' || ((cast(strftime('%w', order_date) as integer) + 6) % 7) || ' days')
            else strftime('%Y-%m-01', order_date)
        end as period_start
    from orders
    where order_date between :start_date and :end_date
),

periods (period_start, last_period) as (
    select
        min(period_start),
        max(period_start)
    from orders_in_range
    union all
    select
        case :grain
            when 'day' then date(period_start, '+1 day')
            when 'week' then date(period_start, '+7 days')
            else date(period_start, '+1 month')
        end,
        last_period
    from periods
    where period_start < last_period
),

per_period as (
    select
        period_start,
        count(*) as order_count,
        count(distinct customer_id) as customer_count,
        sum(cents) as revenue_cents
    from orders_in_range
    group by period_start
)

select
    ps.period_start,
    coalesce(pp.order_count, 0) as order_count,
    coalesce(pp.customer_count, 0) as customer_count,
    coalesce(pp.revenue_cents, 0) / 100.0 as revenue,
    coalesce(round(1.0 * pp.revenue_cents / pp.order_count) / 100.0, 0) as avg_order_value
from periods as ps
left join per_period as pp on ps.period_start = pp.period_start
order by ps.period_start
