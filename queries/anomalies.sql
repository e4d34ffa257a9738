-- anomalies: orders that look like fraud, each with the rule that caught it.
-- Rules, most specific first (an order is reported once, under the first rule it breaks; `reasons` lists all):
--   payment_mismatch  the payment differs from the order total by more than $mismatch_tolerance
--   late_payment      paid $late_days or more days after the order
--   extreme_amount    every line of the order has a quantity of $extreme_quantity or more
--   burst             the customer placed $burst_orders or more orders that day
-- grain: one row per flagged order, by order_id.
-- params:
--   $start_date date = 1900-01-01  first order day included
--   $end_date date = 9999-12-31  last order day included
--   $mismatch_tolerance float = 0.01 [0, 1000000]  allowed |payment - total| in currency units
--   $late_days int = 20 [1, 3650]  days between order and payment that count as late
--   $extreme_quantity int = 10 [2, 1000000]  the smallest line quantity that counts as extreme
--   $burst_orders int = 4 [2, 1000000]  orders by one customer on one day that count as a burst
with

orders_in_range as (
    select
        o.order_id,
        o.customer_id,
        o.order_date,
        o.total_amount::decimal(18, 2) as total_amount
    from orders as o
    where o.order_date between $start_date and $end_date
),

line_quantities as (
    select
        i.order_id,
        min(i.quantity) as min_quantity
    from order_items as i
    inner join orders_in_range as r on i.order_id = r.order_id
    group by i.order_id
),

customer_days as (
    select
        r.customer_id,
        r.order_date,
        count(*) as orders_that_day
    from orders_in_range as r
    group by r.customer_id, r.order_date
),

signals as (
    select
        r.order_id,
        r.customer_id,
        r.order_date,
        r.total_amount,
        p.amount::decimal(18, 2) as paid_amount,
        date_diff('day', r.order_date, p.payment_date) as payment_lag_days,
        q.min_quantity,
        cd.orders_that_day,
        abs(p.amount::decimal(18, 2) - r.total_amount) > $mismatch_tolerance as is_mismatch,
        date_diff('day', r.order_date, p.payment_date) >= $late_days as is_late,
        q.min_quantity >= $extreme_quantity as is_extreme,
        cd.orders_that_day >= $burst_orders as is_burst
    from orders_in_range as r
    inner join payments as p on r.order_id = p.order_id
    inner join line_quantities as q on r.order_id = q.order_id
    inner join customer_days as cd
        on r.customer_id = cd.customer_id and r.order_date = cd.order_date
)

select
    s.order_id,
    s.customer_id,
    s.order_date,
    s.total_amount::double as total_amount,
    s.paid_amount::double as paid_amount,
    s.payment_lag_days,
    s.min_quantity,
    s.orders_that_day,
    case
        when s.is_mismatch then 'payment_mismatch'
        when s.is_late then 'late_payment'
        when s.is_extreme then 'extreme_amount'
        else 'burst'
    end as kind,
    concat_ws(
        ',',
        case when s.is_mismatch then 'payment_mismatch' end,
        case when s.is_late then 'late_payment' end,
        case when s.is_extreme then 'extreme_amount' end,
        case when s.is_burst then 'burst' end
    ) as reasons
from signals as s
where s.is_mismatch or s.is_late or s.is_extreme or s.is_burst
order by s.order_id asc
