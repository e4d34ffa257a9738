-- customer_aov: queries/customer_aov.sql in SQLite's dialect: money is summed as integer cents; an integer division
--  is made real.
with per_customer as (
    select
        customer_id,
        count(*) as order_count,
        sum(cast(round(total_amount * 100) as integer)) as spend_cents,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from orders
    where order_date between :start_date and :end_date
    group by customer_id
    having count(*) >= :min_orders
)

select
    pc.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    c.signup_date,
    pc.order_count,
    pc.spend_cents / 100.0 as total_spend,
    round(1.0 * pc.spend_cents / pc.order_count) / 100.0 as avg_order_value,
    pc.first_order_date,
    pc.last_order_date
from per_customer as pc
inner join customers as c on pc.customer_id = c.customer_id
order by pc.customer_id
