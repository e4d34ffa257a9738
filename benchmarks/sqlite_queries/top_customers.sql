-- top_customers: queries/top_customers.sql in SQLite's dialect: money is summed as integer cents; an integer division
--  is made real.
with spend as (
    select
        customer_id,
        count(*) as order_count,
        sum(cast(round(total_amount * 100) as integer)) as spend_cents
    from orders
    where order_date between :start_date and :end_date
    group by customer_id
),

ranked as (
    select
        *,
        row_number() over (order by spend_cents desc, customer_id asc) as spend_rank
    from spend
)

select
    k.spend_rank,
    k.customer_id,
    c.first_name,
    c.last_name,
    c.email,
    k.order_count,
    k.spend_cents / 100.0 as total_spend,
    round(1.0 * k.spend_cents / k.order_count) / 100.0 as avg_order_value
from ranked as k
inner join customers as c on k.customer_id = c.customer_id
where k.spend_rank <= :limit
order by k.spend_rank
