-- top_products: for every product ($limit null: the product summary mart), each product's distinct orders counted
-- in the same pass over the lines in range as its sums. The query counts them apart, for the products it returns
-- only, so DuckDB keeps every line for that second use (100 M at scale 10,000: more than the analyses' share of a
-- 2 GiB budget); when every product is returned, the second use counts them all anyway.
-- from: tables
-- given: limit = null
-- replaces: sales, order_counts
-- (The two steps stand in for the query's steps of the same names; the closing select makes this file one
-- statement that sqlfluff checks.)
with

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
