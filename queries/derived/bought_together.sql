-- bought_together: at its defaults (the whole history), each product's count of distinct orders is the product
-- summary's, which counts it over the same lines for every product (unsold ones with 0, which have no basket); and
-- the lines in range are every line: each has its order (a foreign key the rules prove first, in the same lane of
-- `run` and `load`), so they need no join to the orders.
-- from: mart_product_summary
-- replaces: lines_in_range, product_orders
-- (The steps stand in for the query's steps of the same names; the closing select makes this file one statement
-- that sqlfluff checks.)
with

lines_in_range as (
    select i.*
    from order_items as i
),

product_orders as (
    select
        s.product_id,
        s.order_count
    from source as s
    where s.order_count > 0
)

select po.product_id
from product_orders as po
inner join lines_in_range as l on po.product_id = l.product_id
