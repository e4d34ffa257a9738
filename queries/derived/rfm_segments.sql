-- rfm_segments: at its defaults (scored as of the last order day, so over every order), each customer's last
-- order day, order count and spend are the per-customer summary's, which holds every customer with an order,
-- aggregated alike (the spend rounded to the cent from the exact sum).
-- from: mart_customer_summary
-- replaces: per_customer
select
    s.customer_id,
    s.last_order_date,
    s.order_count,
    s.total_spend
from source as s
