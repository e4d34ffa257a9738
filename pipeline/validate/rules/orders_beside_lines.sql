-- pass: each order beside the sum of its lines (a full join: either side may be missing)
-- rule order_has_items: orders.order_id
--   every order has at least one item
--   examples: order_id
--   requires: order_items
-- rule order_total_is_sum_of_lines: orders.total_amount
--   total_amount equals the sum of the order's line totals, to the cent
--   examples: order_id, total_amount, lines_total
-- foreign key: order_items.order_id
--   count: items
with lines as (
    select
        order_id,
        sum(line_total) as lines_total,
        count(*) as items
    from order_items
    group by order_id
)

select
    coalesce(o.order_id, l.order_id) as order_id,
    o.total_amount,
    l.lines_total,
    l.items,
    l.items is null as breaks_order_has_items,
    abs(o.total_amount - l.lines_total) > $cent_tolerance as breaks_order_total_is_sum_of_lines,
    o.total_amount is null as breaks_order_id_reference
from orders as o
full join lines as l on o.order_id = l.order_id
