-- top_products: which products sold best in a date range, by revenue or by units?
-- grain: one row per product (unsold products included, with zeros), best first by $rank_by;
--   both ranks are returned, ties broken by product_id.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $rank_by choice(revenue|units) = revenue  the measure that orders the result
--   $limit int? = 10 [1, 1000000]  how many products to return (null: every product)
-- The distinct order count is the expensive measure, so it is counted for the products returned only.
with

lines_in_range as (
    select
        i.product_id,
        i.order_id,
        i.quantity,
        i.line_total
    from order_items as i
    inner join orders as o on i.order_id = o.order_id
    where o.order_date between $start_date and $end_date
),

sales as (
    select
        l.product_id,
        sum(l.quantity) as units,
        round(sum(l.line_total), 2) as revenue
    from lines_in_range as l
    group by l.product_id
),

product_sales as (
    select
        p.product_id,
        p.name,
        p.category,
        p.price,
        coalesce(s.units, 0) as units,
        coalesce(s.revenue, 0) as revenue
    from products as p
    left join sales as s on p.product_id = s.product_id
),

ranked as (
    select
        ps.*,
        row_number() over (order by ps.revenue desc, ps.product_id asc) as revenue_rank,
        row_number() over (order by ps.units desc, ps.product_id asc) as units_rank
    from product_sales as ps
),

chosen as (
    select
        r.*,
        case when $rank_by = 'units' then r.units_rank else r.revenue_rank end as sales_rank
    from ranked as r
    order by sales_rank asc
    limit $limit
),

order_counts as (
    select
        l.product_id,
        count(distinct l.order_id) as order_count
    from lines_in_range as l
    -- Every product is chosen when $limit is null: then the filter is dropped and its subquery left empty, as a
    -- 6 M-product hash table held beside this 100 M-basket count ran out of 512 MB at scale 10,000.
    where
        $limit is null
        or l.product_id in (
            select ch.product_id
            from chosen as ch
            where $limit is not null
        )
    group by l.product_id
)

select
    ch.sales_rank,
    ch.product_id,
    ch.name,
    ch.category,
    ch.price,
    coalesce(oc.order_count, 0) as order_count,
    ch.units::bigint as units,
    ch.revenue,
    ch.revenue_rank,
    ch.units_rank
from chosen as ch
left join order_counts as oc on ch.product_id = oc.product_id
order by ch.sales_rank asc
