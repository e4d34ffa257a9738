-- customer: one customer, with how many orders they placed and what they spent in all (live, not a mart).
-- columns: customer_id bigint, first_name varchar, last_name varchar, email varchar, signup_date date,
--   order_count bigint, total_spend double
SELECT
    c.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.signup_date,
    (SELECT count(*) FROM orders AS o WHERE o.customer_id = c.customer_id) AS order_count,
    (SELECT round(coalesce(sum(o.total_amount), 0), 2) FROM orders AS o WHERE o.customer_id = c.customer_id)
        AS total_spend
FROM customers AS c
WHERE c.customer_id = ?
