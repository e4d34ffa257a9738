with order_products as (
    select distinct i.order_id, i.product_id
    from order_items as i
    join orders as o on o.order_id = i.order_id
    where o.order_date between :start_date and :end_date
),
order_total as (
    select count(distinct order_id) as order_count from order_products
),
product_orders as (
    select product_id, count(*) as order_count from order_products group by product_id
),
pairs as (
    select a.product_id as product_a_id, b.product_id as product_b_id, count(*) as orders_together
    from order_products as a
    join order_products as b on b.order_id = a.order_id and a.product_id < b.product_id
    group by a.product_id, b.product_id
    having count(*) >= :min_orders
),
measured as (
    select pr.*, round((1.0 * pr.orders_together / ot.order_count) * 1e6) / 1e6 as pair_support,
           round((1.0 * pr.orders_together / pa.order_count) * 1e4) / 1e4 as confidence_a_to_b,
           round((1.0 * pr.orders_together * ot.order_count / (pa.order_count * pb.order_count)) * 1e2) / 1e2 as lift
    from pairs as pr
    cross join order_total as ot
    join product_orders as pa on pa.product_id = pr.product_a_id
    join product_orders as pb on pb.product_id = pr.product_b_id
)
select m.product_a_id, a.name as product_a_name, m.product_b_id, b.name as product_b_name, m.orders_together,
       m.pair_support, m.confidence_a_to_b, m.lift
from measured as m
join products as a on a.product_id = m.product_a_id
join products as b on b.product_id = m.product_b_id
order by m.orders_together desc, m.lift desc, m.product_a_id, m.product_b_id
limit :limit
