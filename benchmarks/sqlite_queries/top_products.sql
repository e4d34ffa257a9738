-- top_products: queries/top_products.sql in SQLite's dialect: money is summed as integer cents.
with sales as (
    select
        i.product_id,
        count(distinct i.order_id) as order_count,
        sum(i.quantity) as units,
        sum(cast(round(i.line_total * 100) as integer)) as revenue_cents
    from order_items as i
    inner join orders as o on i.order_id = o.order_id
    where o.order_date between :start_date and :end_date
    group by i.product_id
),

ranked as (
    select
        p.product_id,
        p.name,
        p.category,
        p.price,
        coalesce(s.order_count, 0) as order_count,
        coalesce(s.units, 0) as units,
        coalesce(s.revenue_cents, 0) as revenue_cents,
        row_number() over (order by coalesce(s.revenue_cents, 0) desc, p.product_id) as revenue_rank,
        row_number() over (order by coalesce(s.units, 0) desc, p.product_id) as units_rank
    from products as p
    left join sales as s on p.product_id = s.product_id
)

select
    case when :rank_by = 'units' then units_rank else revenue_rank end as sales_rank,
    product_id,
    name,
    category,
    price,
    order_count,
    units,
    revenue_cents / 100.0 as revenue,
    revenue_rank,
    units_rank
from ranked
order by sales_rank
limit :limit
