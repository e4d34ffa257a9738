-- category_revenue_timeseries: how much does each product category earn per day, week (ISO, from Monday) or month?
-- grain: one row per (period, category) with at least one sale in the date range, by period, then category.
-- An order is one date, so order_count (orders with the category) adds up over periods, as units and revenue do.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $grain choice(day|week|month) = month  the length of a period
-- uses: category_lines_in_range
with

dated_lines as (
    select
        date_trunc($grain, l.order_date)::date as period_start,
        l.category,
        l.order_id,
        l.quantity,
        l.line_total
    from category_lines_in_range as l
)

select
    d.period_start,
    d.category,
    count(distinct d.order_id) as order_count,
    sum(d.quantity)::bigint as units,
    round(sum(d.line_total), 2) as revenue
from dated_lines as d
group by d.period_start, d.category
order by d.period_start asc, d.category asc
