-- price_distribution: how are list prices spread within each product category (quartiles, for a box plot)?
-- grain: one row per category with at least one product, by category.
-- Quartiles are interpolated between the two nearest prices (quantile_cont); they and the mean are rounded to the cent.
with

per_category as (
    select
        p.category,
        count(*) as product_count,
        min(p.price) as min_price,
        quantile_cont(p.price, 0.25) as q1_price,
        quantile_cont(p.price, 0.5) as median_price,
        quantile_cont(p.price, 0.75) as q3_price,
        max(p.price) as max_price,
        avg(p.price) as mean_price
    from products as p
    group by p.category
)

select
    pc.category,
    pc.product_count,
    pc.min_price,
    round(pc.q1_price, 2) as q1_price,
    round(pc.median_price, 2) as median_price,
    round(pc.q3_price, 2) as q3_price,
    pc.max_price,
    round(pc.mean_price, 2) as mean_price
from per_category as pc
order by pc.category asc
