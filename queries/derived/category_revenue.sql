-- category_revenue: at its defaults (the whole history), its totals per category summed from the daily mart.
-- An order has one day, so the per-day counts of distinct orders add up; revenue is rounded again, as the query
-- rounds its whole sum. The query's shares of the total are then taken as it takes them.
-- from: mart_category_revenue_daily
-- replaces: by_category
select
    d.category,
    sum(d.order_count)::bigint as order_count,
    sum(d.units) as units,
    round(sum(d.revenue), 2) as revenue
from source as d
group by d.category
