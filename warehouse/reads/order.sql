-- order: one order with its lines and its payment, in one round trip (lines and payment as JSON).
-- columns: order_id bigint, customer_id bigint, order_date date, total_amount double, items varchar,
--   payment varchar
SELECT
    o.order_id,
    o.customer_id,
    o.order_date,
    o.total_amount,
    (
        SELECT json_group_array(json_object(
            'order_item_id', i.order_item_id, 'order_id', i.order_id, 'product_id', i.product_id,
            'quantity', i.quantity, 'line_total', i.line_total
        ))
        FROM (SELECT * FROM order_items WHERE order_id = o.order_id ORDER BY order_item_id) AS i
    ) AS items,
    (
        SELECT json_object(
            'payment_id', p.payment_id, 'order_id', p.order_id, 'payment_method', p.payment_method,
            'amount', p.amount, 'payment_date', p.payment_date
        )
        FROM payments AS p
        WHERE p.order_id = o.order_id
    ) AS payment
FROM orders AS o
WHERE o.order_id = ?
