-- table: order_items
-- column: line_total
-- rule: line_total equals quantity x the product's price, to the cent
select
    i.order_item_id,
    i.product_id,
    i.quantity,
    p.price,
    i.line_total
from order_items as i
inner join products as p on i.product_id = p.product_id
where abs(i.line_total - round(i.quantity * p.price, 2)) > $cent_tolerance
