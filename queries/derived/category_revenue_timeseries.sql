-- category_revenue_timeseries: at its defaults (the whole history), at any grain, summed from the daily mart.
-- An order has one day, so the per-day counts of distinct orders add up over the days of a period.
-- from: mart_category_revenue_daily
select
    date_trunc($grain, d.period_start)::date as period_start,
    d.category,
    sum(d.order_count)::bigint as order_count,
    sum(d.units)::bigint as units,
    round(sum(d.revenue), 2) as revenue
from source as d
group by date_trunc($grain, d.period_start)::date, d.category
order by period_start asc, d.category asc
