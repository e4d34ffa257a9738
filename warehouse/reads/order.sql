-- order: orders by key (the keys a JSON array), each with its lines and its payment, in one round trip
--   (lines and payment as JSON).
-- columns: order_id bigint, customer_id bigint, order_date date, total_amount double, items varchar,
--   payment varchar
select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.total_amount,
    (
        select
            json_group_array(json_object(
                'order_item_id', i.order_item_id, 'order_id', i.order_id, 'product_id', i.product_id,
                'quantity', i.quantity, 'line_total', i.line_total
            ))
        from (
            select li.*
            from order_items as li
            where li.order_id = o.order_id
            order by li.order_item_id
        ) as i
    ) as items,
    (
        select
            json_object(
                'payment_id', p.payment_id, 'order_id', p.order_id, 'payment_method', p.payment_method,
                'amount', p.amount, 'payment_date', p.payment_date
            )
        from payments as p
        where p.order_id = o.order_id
    ) as payment
from orders as o
where o.order_id in (select k.value from json_each(?) as k)
