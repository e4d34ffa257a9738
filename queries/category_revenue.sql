-- category_revenue: how much does each product category earn in a date range, and what share of the total?
-- grain: one row per category that sold anything, highest revenue first.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
-- uses: category_lines_in_range
with

by_category as (
    select
        l.category,
        count(distinct l.order_id) as order_count,
        sum(l.quantity) as units,
        round(sum(l.line_total), 2) as revenue
    from category_lines_in_range as l
    group by l.category
)

select
    b.category,
    b.order_count,
    b.units::bigint as units,
    b.revenue,
    round(b.revenue / round(sum(b.revenue) over (), 2), 4) as revenue_share
from by_category as b
order by b.revenue desc, b.category asc
