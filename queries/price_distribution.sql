-- price_distribution: how are list prices spread within each product category (quartiles, for a box plot)?
-- grain: one row per category with at least one product, by category.
-- Quartiles are interpolated between the two nearest prices (quantile_cont); they and the mean are rounded to the
-- cent, half away from zero. They are computed in whole cents, so that a value exactly half a cent from two cents
-- rounds the same in any engine.
with

priced as (
    select
        p.category,
        round(p.price * 100)::bigint as cents
    from products as p
),

per_category as (
    select
        pr.category,
        count(*) as product_count,
        min(pr.cents) as min_cents,
        quantile_cont(pr.cents, 0.25) as q1_cents,
        quantile_cont(pr.cents, 0.5) as median_cents,
        quantile_cont(pr.cents, 0.75) as q3_cents,
        max(pr.cents) as max_cents,
        avg(pr.cents) as mean_cents
    from priced as pr
    group by pr.category
)

select
    pc.category,
    pc.product_count,
    pc.min_cents / 100 as min_price,
    round(pc.q1_cents) / 100 as q1_price,
    round(pc.median_cents) / 100 as median_price,
    round(pc.q3_cents) / 100 as q3_price,
    pc.max_cents / 100 as max_price,
    round(pc.mean_cents) / 100 as mean_price
from per_category as pc
order by pc.category asc
