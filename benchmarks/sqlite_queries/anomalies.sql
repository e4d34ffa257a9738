-- anomalies: queries/anomalies.sql in SQLite's dialect: date_diff becomes julianday arithmetic; money is summed as
--  integer cents.
with orders_in_range as (
    select
        order_id,
        customer_id,
        order_date,
        cast(round(total_amount * 100) as integer) as cents
    from orders
    where order_date between :start_date and :end_date
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
        customer_id,
        order_date,
        count(*) as orders_that_day
    from orders_in_range
    group by customer_id, order_date
),

signals as (
    select
        r.order_id,
        r.customer_id,
        r.order_date,
        r.cents,
        cast(round(p.amount * 100) as integer) as paid_cents,
        cast(julianday(p.payment_date) - julianday(r.order_date) as integer) as payment_lag_days,
        q.min_quantity,
        cd.orders_that_day
    from orders_in_range as r
    inner join payments as p on r.order_id = p.order_id
    inner join line_quantities as q on r.order_id = q.order_id
    inner join customer_days as cd on r.customer_id = cd.customer_id and r.order_date = cd.order_date
),

flags as (
    select
        *,
        abs(paid_cents - cents) > :mismatch_tolerance * 100 as is_mismatch,
        payment_lag_days >= :late_days as is_late,
        min_quantity >= :extreme_quantity as is_extreme,
        orders_that_day >= :burst_orders as is_burst
    from signals
)

select
    order_id,
    customer_id,
    order_date,
    cents / 100.0 as total_amount,
    paid_cents / 100.0 as paid_amount,
    payment_lag_days,
    min_quantity,
    orders_that_day,
    case
        when is_mismatch then 'payment_mismatch' when is_late then 'late_payment'
        when is_extreme then 'extreme_amount' else 'burst'
    end as kind,
    trim(
        case when is_mismatch then ',payment_mismatch' else '' end
        || case when is_late then ',late_payment' else '' end
        || case when is_extreme then ',extreme_amount' else '' end
        || case when is_burst then ',burst' else '' end, ','
    ) as reasons
from flags
where is_mismatch or is_late or is_extreme or is_burst
order by order_id
