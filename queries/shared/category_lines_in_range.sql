-- category_lines_in_range: the lines of the orders placed from $start_date to $end_date, with day and category.
select
    o.order_date,
    p.category,
    i.order_id,
    i.quantity,
    i.line_total
from order_items as i
inner join orders as o on i.order_id = o.order_id
inner join products as p on i.product_id = p.product_id
where o.order_date between $start_date and $end_date
