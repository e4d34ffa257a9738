-- bought_together: which pairs of products appear in the same order most often (market-basket analysis)?
-- pair_support = share of all orders with both; confidence = share of orders with product_a that also have
--   product_b; lift = how much more often the pair occurs than if the two were bought independently.
-- grain: one row per unordered pair (product_a_id < product_b_id) seen in at least $min_orders orders,
--   most frequent first (then lift, then ids).
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $min_orders int = 2 [1, 1000000]  the fewest orders a pair must share
--   $limit int = 20 [1, 1000000]  how many pairs to return
with

-- The lines are kept as they are: each use deduplicates the baskets it needs (every product's count of orders, or
-- the few products whose pairs are counted). Deduplicating all 100 M baskets of scale 10,000 into the stored CTE
-- first ran out of 512 MB.
lines_in_range as (
    select
        i.order_id,
        i.product_id
    from order_items as i
    inner join orders as o on i.order_id = o.order_id
    where o.order_date between $start_date and $end_date
),

-- Every order has at least one line (a hard rule of the data), so this counts the baskets.
order_total as (
    select count(*) as order_count
    from orders as o
    where o.order_date between $start_date and $end_date
),

product_orders as (
    select
        l.product_id,
        count(distinct l.order_id) as order_count
    from lines_in_range as l
    group by l.product_id
),

-- Only pairs that could make the result are counted. A pair is in no more orders than either of its
-- products, and the $limit-th count among the pairs of the most ordered products is at most the $limit-th
-- count among all pairs; so every pair of the result is in at least least_orders orders, and so are both of
-- its products. Exact for any data: with fewer than $limit such pairs, every product is a candidate.
popular_products as (
    select po.product_id
    from product_orders as po
    order by po.order_count desc, po.product_id asc
    limit 1000
),

popular_lines as (
    select distinct
        l.order_id,
        l.product_id
    from lines_in_range as l
    where l.product_id in (select pp.product_id from popular_products as pp)
),

popular_pairs as (
    select count(*) as orders_together
    from popular_lines as a
    inner join popular_lines as b
        on a.order_id = b.order_id and a.product_id < b.product_id
    group by a.product_id, b.product_id
),

limit_th_pair as (
    select
        min(best.orders_together) as orders_together,
        count(*) as pair_count
    from (
        select pp.orders_together
        from popular_pairs as pp
        order by pp.orders_together desc
        limit $limit
    ) as best
),

least_orders as (
    select
        case
            when lp.pair_count = $limit then greatest(lp.orders_together, $min_orders)
            else $min_orders
        end as order_count
    from limit_th_pair as lp
),

candidate_lines as (
    select distinct
        l.order_id,
        l.product_id
    from lines_in_range as l
    where l.product_id in (
        select po.product_id
        from product_orders as po
        cross join least_orders as lo
        where po.order_count >= lo.order_count
    )
),

pairs as (
    select
        a.product_id as product_a_id,
        b.product_id as product_b_id,
        count(*) as orders_together
    from candidate_lines as a
    inner join candidate_lines as b
        on a.order_id = b.order_id and a.product_id < b.product_id
    group by a.product_id, b.product_id
),

measured as (
    select
        pr.product_a_id,
        pr.product_b_id,
        pr.orders_together,
        round(pr.orders_together / ot.order_count, 6) as pair_support,
        round(pr.orders_together / pa.order_count, 4) as confidence_a_to_b,
        round(pr.orders_together * ot.order_count / (pa.order_count * pb.order_count), 2) as lift
    from pairs as pr
    cross join order_total as ot
    cross join least_orders as lo
    inner join product_orders as pa on pr.product_a_id = pa.product_id
    inner join product_orders as pb on pr.product_b_id = pb.product_id
    where pr.orders_together >= lo.order_count
)

select
    m.product_a_id,
    a.name as product_a_name,
    m.product_b_id,
    b.name as product_b_name,
    m.orders_together,
    m.pair_support,
    m.confidence_a_to_b,
    m.lift
from measured as m
inner join products as a on m.product_a_id = a.product_id
inner join products as b on m.product_b_id = b.product_id
order by m.orders_together desc, m.lift desc, m.product_a_id asc, m.product_b_id asc
limit $limit
