-- repeat_purchase_rate: of the customers who first bought in a month, what share bought again within
--   $window_days days of that first order? Recent months have had less time to repeat (right-censored).
-- grain: one row per month of first purchase, oldest first.
-- params:
--   $window_days int = 90 [1, 36500]  days after the first order in which a second order counts
with

ranked_orders as (
    select
        o.customer_id,
        o.order_date,
        row_number() over (partition by o.customer_id order by o.order_date asc, o.order_id asc) as order_number
    from orders as o
),

first_and_second as (
    select
        ro.customer_id,
        min(case when ro.order_number = 1 then ro.order_date end) as first_order_date,
        min(case when ro.order_number = 2 then ro.order_date end) as second_order_date
    from ranked_orders as ro
    where ro.order_number <= 2
    group by ro.customer_id
),

per_month as (
    select
        date_trunc('month', fs.first_order_date)::date as first_order_month,
        count(*) as new_buyers,
        count(*) filter (
            where fs.second_order_date <= fs.first_order_date + to_days($window_days::integer)
        ) as repeat_buyers
    from first_and_second as fs
    group by date_trunc('month', fs.first_order_date)::date
)

select
    pm.first_order_month,
    pm.new_buyers,
    pm.repeat_buyers,
    round(pm.repeat_buyers / pm.new_buyers, 4) as repeat_rate
from per_month as pm
order by pm.first_order_month asc
