-- product: one product.
-- columns: product_id bigint, name varchar, category varchar, price double
SELECT
    p.product_id,
    p.name,
    p.category,
    p.price
FROM products AS p
WHERE p.product_id = ?
