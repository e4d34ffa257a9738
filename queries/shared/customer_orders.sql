-- customer_orders: per customer with an order in the range, how many orders, the spend, the first and last day.
-- uses: orders_in_range
select
    r.customer_id,
    count(*) as order_count,
    round(sum(r.total_amount), 2) as total_spend,
    min(r.order_date) as first_order_date,
    max(r.order_date) as last_order_date
from orders_in_range as r
group by r.customer_id
