-- orders_in_range: the orders placed from $start_date to $end_date, both included.
select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.total_amount
from orders as o
where o.order_date between $start_date and $end_date
