-- bought_together: queries/bought_together.sql in SQLite's dialect: shares are rounded as DuckDB rounds them; an
--  integer division is made real.
with order_products as (
    select distinct
        i.order_id,
        i.product_id
    from order_items as i
    inner join orders as o on i.order_id = o.order_id
    where o.order_date between :start_date and :end_date
),

order_total as (
    select count(distinct order_id) as order_count from order_products
),

product_orders as (
    select
        product_id,
        count(*) as order_count
    from order_products
    group by product_id
),

pairs as (
    select
        a.product_id as product_a_id,
        b.product_id as product_b_id,
        count(*) as orders_together
    from order_products as a
    inner join order_products as b on a.order_id = b.order_id and a.product_id < b.product_id
    group by a.product_id, b.product_id
    having count(*) >= :min_orders
),

measured as (
    select
        pr.*,
        round((1.0 * pr.orders_together / ot.order_count) * 1e6) / 1e6 as pair_support,
        round((1.0 * pr.orders_together / pa.order_count) * 1e4) / 1e4 as confidence_a_to_b,
        round((1.0 * pr.orders_together * ot.order_count / (pa.order_count * pb.order_count)) * 1e2) / 1e2 as lift
    from pairs as pr
    cross join order_total as ot
    inner join product_orders as pa on pr.product_a_id = pa.product_id
    inner join product_orders as pb on pr.product_b_id = pb.product_id
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
limit :limit
