-- pass: each order item beside its product (a left join: the product may be missing)
-- rule line_total_is_quantity_times_price: order_items.line_total
--   line_total equals quantity x the product's price, to the cent
--   examples: order_item_id, product_id, quantity, price, line_total
-- foreign key: order_items.product_id
select
    i.order_item_id,
    i.product_id,
    i.quantity,
    p.price,
    i.line_total,
    abs(i.line_total - round(i.quantity * p.price, 2))
    > $cent_tolerance as breaks_line_total_is_quantity_times_price,
    p.price is null as breaks_product_id_reference
from order_items as i
left join products as p on i.product_id = p.product_id
