-- repeat_purchase_rate: queries/repeat_purchase_rate.sql in SQLite's dialect: date_trunc becomes strftime/date()
--  modifiers; shares are rounded as DuckDB rounds them; an integer division is made real.
with ranked_orders as (
    select
        customer_id,
        order_date,
        row_number() over (partition by customer_id order by order_date, order_id) as order_number
    from orders
),

first_and_second as (
    select
        customer_id,
        min(case when order_number = 1 then order_date end) as first_order_date,
        min(case when order_number = 2 then order_date end) as second_order_date
    from ranked_orders
    where order_number <= 2
    group by customer_id
),

per_month as (
    select
        strftime('%Y-%m-01', first_order_date) as first_order_month,
        count(*) as new_buyers,
        count(*) filter (where second_order_date <= date(first_order_date, '+' || :window_days || ' days'))
            as repeat_buyers
    from first_and_second
    group by strftime('%Y-%m-01', first_order_date)
)

select
    first_order_month,
    new_buyers,
    repeat_buyers,
    round((1.0 * repeat_buyers / new_buyers) * 1e4) / 1e4 as repeat_rate
from per_month
order by first_order_month
