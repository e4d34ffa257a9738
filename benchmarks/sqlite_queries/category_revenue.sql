-- category_revenue: queries/category_revenue.sql in SQLite's dialect: money is summed as integer cents; shares are
--  rounded as DuckDB rounds them; an integer division is made real.
with by_category as (
    select
        p.category,
        count(distinct i.order_id) as order_count,
        sum(i.quantity) as units,
        sum(cast(round(i.line_total * 100) as integer)) as revenue_cents
    from order_items as i
    inner join orders as o on i.order_id = o.order_id
    inner join products as p on i.product_id = p.product_id
    where o.order_date between :start_date and :end_date
    group by p.category
)

select
    category,
    order_count,
    units,
    revenue_cents / 100.0 as revenue,
    round((1.0 * revenue_cents / sum(revenue_cents) over ()) * 1e4) / 1e4 as revenue_share
from by_category
order by revenue_cents desc, category asc
