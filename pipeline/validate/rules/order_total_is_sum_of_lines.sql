-- table: orders
-- column: total_amount
-- rule: total_amount equals the sum of the order's line totals, to the cent
with lines as (
    select
        order_id,
        sum(line_total) as lines_total
    from order_items
    group by order_id
)

select
    o.order_id,
    o.total_amount,
    l.lines_total
from orders as o
inner join lines as l on o.order_id = l.order_id
where abs(o.total_amount - l.lines_total) > $cent_tolerance
