-- category_revenue: at its defaults (the whole history), summed from the daily mart.
-- An order has one day, so the per-day counts of distinct orders add up; revenue is rounded again, as the query
-- rounds its whole sum, and the share is taken of the rounded total, as there.
-- from: mart_category_revenue_daily
with

by_category as (
    select
        d.category,
        sum(d.order_count)::bigint as order_count,
        sum(d.units) as units,
        round(sum(d.revenue), 2) as revenue
    from source as d
    group by d.category
)

select
    b.category,
    b.order_count,
    b.units::bigint as units,
    b.revenue,
    round(b.revenue / round(sum(b.revenue) over (), 2), 4) as revenue_share
from by_category as b
order by b.revenue desc, b.category asc
