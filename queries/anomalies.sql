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
-- Each rule first finds its few suspects; the per-order details are then computed for the suspects only,
-- which keeps the query to a few passes over the big tables.
-- uses: orders_in_range
with

paid as (
    select
        r.order_id,
        r.customer_id,
        r.order_date,
        r.total_amount,
        p.amount as paid_amount,
        date_diff('day', r.order_date, p.payment_date) as payment_lag_days
    from orders_in_range as r
    inner join payments as p on r.order_id = p.order_id
),

burst_days as (
    select
        r.customer_id,
        r.order_date
    from orders_in_range as r
    group by r.customer_id, r.order_date
    having count(*) >= $burst_orders
),

-- An order whose every line is extreme has at least one extreme line, and few orders have one.
extreme_suspects as (
    select distinct i.order_id
    from order_items as i
    where i.quantity >= $extreme_quantity
),

extreme_orders as (
    select i.order_id
    from order_items as i
    inner join extreme_suspects as es on i.order_id = es.order_id
    group by i.order_id
    having min(i.quantity) >= $extreme_quantity
),

signals as (
    select
        pd.order_id,
        pd.customer_id,
        pd.order_date,
        pd.total_amount,
        pd.paid_amount,
        pd.payment_lag_days,
        abs(round(pd.paid_amount - pd.total_amount, 2)) > $mismatch_tolerance as is_mismatch,
        pd.payment_lag_days >= $late_days as is_late,
        eo.order_id is not null as is_extreme,
        bd.customer_id is not null as is_burst
    from paid as pd
    left join extreme_orders as eo on pd.order_id = eo.order_id
    left join burst_days as bd on pd.customer_id = bd.customer_id and pd.order_date = bd.order_date
),

flagged as (
    select s.*
    from signals as s
    where s.is_mismatch or s.is_late or s.is_extreme or s.is_burst
),

line_quantities as (
    select
        i.order_id,
        min(i.quantity) as min_quantity
    from order_items as i
    inner join flagged as f on i.order_id = f.order_id
    group by i.order_id
),

flagged_days as (
    select distinct
        f.customer_id,
        f.order_date
    from flagged as f
),

customer_days as (
    select
        r.customer_id,
        r.order_date,
        count(*) as orders_that_day
    from orders_in_range as r
    inner join flagged_days as fd
        on r.customer_id = fd.customer_id and r.order_date = fd.order_date
    group by r.customer_id, r.order_date
)

select
    f.order_id,
    f.customer_id,
    f.order_date,
    f.total_amount,
    f.paid_amount,
    f.payment_lag_days,
    lq.min_quantity,
    cd.orders_that_day,
    case
        when f.is_mismatch then 'payment_mismatch'
        when f.is_late then 'late_payment'
        when f.is_extreme then 'extreme_amount'
        else 'burst'
    end as kind,
    concat_ws(
        ',',
        case when f.is_mismatch then 'payment_mismatch' end,
        case when f.is_late then 'late_payment' end,
        case when f.is_extreme then 'extreme_amount' end,
        case when f.is_burst then 'burst' end
    ) as reasons
from flagged as f
inner join line_quantities as lq on f.order_id = lq.order_id
inner join customer_days as cd on f.customer_id = cd.customer_id and f.order_date = cd.order_date
order by f.order_id asc
