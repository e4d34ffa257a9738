-- The questions pipeline/access/writes.py asks inside a write transaction (SQLite's dialect, `?` placeholders),
-- each after its `-- name:` line. Statements that need only a table's name, key and columns (insert, update,
-- delete, "is this row referenced?") are built from warehouse/schema.sql instead.

-- name: window_end
-- The last day of the build's generation window; null for a --source load.
SELECT end_date FROM build_record

-- name: signup_date
SELECT signup_date FROM customers WHERE customer_id = ?

-- name: email_owner
SELECT customer_id FROM customers WHERE email = ?

-- name: first_order_date
SELECT min(order_date) FROM orders WHERE customer_id = ?

-- name: price
SELECT price FROM products WHERE product_id = ?

-- name: audit
INSERT INTO audit_log (at, key_id, action, resource, resource_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)
