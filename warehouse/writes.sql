-- The questions pipeline/warehouse/writes asks inside a write transaction (SQLite's dialect, `?` placeholders),
-- each after its `-- name:` line. Statements that need only a table's name, key and columns (insert, update,
-- delete, "is this row referenced?") are built from warehouse/schema.sql instead.

-- name: window_end
-- The last day of the build's generation window; null for a --source load.
select end_date from build_record;

-- name: signup_date
select signup_date from customers
where customer_id = ?;

-- name: email_owner
select customer_id from customers
where email = ?;

-- name: first_order_date
select min(order_date) from orders
where customer_id = ?;

-- name: price
select price from products
where product_id = ?;

-- name: audit
insert into audit_log (at, key_id, action, resource, resource_id, "before", "after") values (?, ?, ?, ?, ?, ?, ?);

-- name: rows_deleted
-- The rows a write deleted from a table, taken off its count (table_state keeps the counts /ready reports).
update table_state set row_count = row_count - ?
where table_name = ?;

-- name: forget_requests
-- Idempotency keys are kept 24 hours (the bound is the oldest `at` still kept).
delete from idempotent_request
where at < ?;

-- name: kept_request
select
    request_hash,
    status,
    answer
from idempotent_request
where key_id = ? and idempotency_key = ?;

-- name: keep_request
insert into idempotent_request (key_id, idempotency_key, request_hash, at, status, answer) values (?, ?, ?, ?, ?, ?);
