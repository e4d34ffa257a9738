-- top_products: at its defaults (the whole history) for every product ($limit null: the product summary mart),
-- each product's distinct orders counted in the same pass over the lines as its sums. The query counts them apart,
-- for the products it returns only, so DuckDB keeps every line for that second use (100 M at scale 10,000: more
-- than the analyses' share of a 2 GiB budget); when every product is returned, the second use counts them all
-- anyway. Over the whole history the lines in range are every line: each has its order (a foreign key the rules
-- prove first, in the same lane of `run` and `load`), so they need no join to the orders.
-- from: tables
-- given: limit = null
-- replaces: lines_in_range, sales, order_counts
-- (The steps stand in for the query's steps of the same names; the closing select makes this file one statement
-- that sqlfluff checks.)
with

lines_in_range as (
    select i.*
    from order_items as i
),

sales as (
    select
        l.product_id,
        sum(l.quantity) as units,
        round(sum(l.line_total), 2) as revenue,
        count(distinct l.order_id) as order_count
    from lines_in_range as l
    group by l.product_id
),

order_counts as (
    select
        s.product_id,
        s.order_count
    from sales as s
)

select oc.product_id
from order_counts as oc
