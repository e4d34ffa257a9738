-- The warehouse schema (SQLite). Its tables are created before the bulk load, their CHECKs declared once the
-- rows are in, which the validation has proven them on (decision 0041); the statements after the "indexes" marker run
-- after the load, because building an index once is faster than keeping it up to date row by row. Keys
-- declared here are also the source of the cross-table key checks.
-- Dates are ISO-8601 text (YYYY-MM-DD), declared DATE so that DuckDB's sqlite scanner reads them as DATE;
-- date(d, '+0 days') normalises the value, so an impossible day such as 2023-02-30 fails the CHECK.
-- Vocabularies are written as OR chains: SQLite evaluates `x IN (...)` in a CHECK through a temporary lookup
-- table, which doubled the cost of each inserted row.

create table customers (
    customer_id INTEGER primary key,
    first_name TEXT not null check (length(first_name) > 0),
    last_name TEXT not null check (length(last_name) > 0),
    email TEXT not null check (email like '%_@_%._%'),
    signup_date DATE not null check (signup_date is date(signup_date, '+0 days'))
);

create table products (
    product_id INTEGER primary key,
    name TEXT not null check (length(name) > 0),
    category TEXT not null check (
        category = 'Electronics' or category = 'Clothing' or category = 'Home & Garden'
        or category = 'Books' or category = 'Sports' or category = 'Beauty'
        or category = 'Toys' or category = 'Automotive' or category = 'Jewelry'
        or category = 'Health'
    ),
    price REAL not null check (price > 0)
);

create table orders (
    order_id INTEGER primary key,
    customer_id INTEGER not null references customers (customer_id),
    order_date DATE not null check (order_date is date(order_date, '+0 days')),
    total_amount REAL not null check (total_amount >= 0)
);

create table order_items (
    order_item_id INTEGER primary key,
    order_id INTEGER not null references orders (order_id),
    product_id INTEGER not null references products (product_id),
    quantity INTEGER not null check (quantity > 0),
    line_total REAL not null check (line_total >= 0)
);

create table payments (
    payment_id INTEGER primary key,
    order_id INTEGER not null references orders (order_id),
    payment_method TEXT not null check (
        payment_method = 'card' or payment_method = 'paypal' or payment_method = 'bank'
    ),
    amount REAL not null check (amount >= 0),
    payment_date DATE not null check (payment_date is date(payment_date, '+0 days'))
);

-- indexes: built after the bulk load

-- Unique indexes enforce the remaining keys: one email per customer, one payment per order.
create unique index customers_email on customers (email);
create unique index payments_order on payments (order_id);
-- Foreign-key children (joins, PRAGMA foreign_key_check) and the filters of the API and queries.
create index orders_customer on orders (customer_id);
create index orders_date on orders (order_date);
create index order_items_order on order_items (order_id);
create index order_items_product on order_items (product_id);
create index products_category on products (category);
create index payments_date on payments (payment_date);
-- The API lists' sort orders (sort=signup_date, total_amount, price): a sorted page walks an index, not a table.
create index customers_signup on customers (signup_date);
create index orders_total on orders (total_amount);
create index products_price on products (price);
