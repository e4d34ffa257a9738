-- power_users: at its defaults (the whole history), each customer's orders, spend and first and last order day
-- are the per-customer summary's, which holds every customer with an order, aggregated alike.
-- from: mart_customer_summary
-- replaces: customer_orders
select
    s.customer_id,
    s.order_count,
    s.total_spend,
    s.first_order_date,
    s.last_order_date
from source as s
