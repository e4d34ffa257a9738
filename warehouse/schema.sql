-- The warehouse schema (SQLite). Executed with Python's sqlite3 before the bulk load; the statements after
-- the "indexes" marker run after the load, because building an index once is faster than keeping it
-- up to date row by row. Keys declared here are also the source of the cross-table key checks.
-- Dates are ISO-8601 text (YYYY-MM-DD), declared DATE so that DuckDB's sqlite scanner reads them as DATE;
-- date(d, '+0 days') normalises the value, so an impossible day such as 2023-02-30 fails the CHECK.
-- Vocabularies are written as OR chains: SQLite evaluates `x IN (...)` in a CHECK through a temporary lookup
-- table, which doubled the cost of each inserted row.

CREATE TABLE customers (
    customer_id INTEGER PRIMARY KEY,
    first_name  TEXT NOT NULL CHECK (length(first_name) > 0),
    last_name   TEXT NOT NULL CHECK (length(last_name) > 0),
    email       TEXT NOT NULL CHECK (email LIKE '%_@_%._%'),
    signup_date DATE NOT NULL CHECK (signup_date IS date(signup_date, '+0 days'))
);

CREATE TABLE products (
    product_id INTEGER PRIMARY KEY,
    name       TEXT NOT NULL CHECK (length(name) > 0),
    category   TEXT NOT NULL CHECK (category = 'Electronics' OR category = 'Clothing' OR category = 'Home & Garden'
                                    OR category = 'Books' OR category = 'Sports' OR category = 'Beauty'
                                    OR category = 'Toys' OR category = 'Automotive' OR category = 'Jewelry'
                                    OR category = 'Health'),
    price      REAL NOT NULL CHECK (price > 0)
);

CREATE TABLE orders (
    order_id     INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (customer_id),
    order_date   DATE NOT NULL CHECK (order_date IS date(order_date, '+0 days')),
    total_amount REAL NOT NULL CHECK (total_amount >= 0)
);

CREATE TABLE order_items (
    order_item_id INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (order_id),
    product_id    INTEGER NOT NULL REFERENCES products (product_id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    line_total    REAL NOT NULL CHECK (line_total >= 0)
);

CREATE TABLE payments (
    payment_id     INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders (order_id),
    payment_method TEXT NOT NULL CHECK (payment_method = 'card' OR payment_method = 'paypal' OR payment_method = 'bank'),
    amount         REAL NOT NULL CHECK (amount >= 0),
    payment_date   DATE NOT NULL CHECK (payment_date IS date(payment_date, '+0 days'))
);

-- indexes: built after the bulk load

-- Unique indexes enforce the remaining keys: one email per customer, one payment per order.
CREATE UNIQUE INDEX customers_email ON customers (email);
CREATE UNIQUE INDEX payments_order ON payments (order_id);
-- Foreign-key children (joins, PRAGMA foreign_key_check) and the filters of the API and queries.
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_date ON orders (order_date);
CREATE INDEX order_items_order ON order_items (order_id);
CREATE INDEX order_items_product ON order_items (product_id);
CREATE INDEX products_category ON products (category);
CREATE INDEX payments_date ON payments (payment_date);
