-- payment_mix: how do customers pay, and how does the mix change over time?
-- grain: one row per (period of the payment date, payment method) with at least one payment.
-- params:
--   $start_date date = 1900-01-01  first payment day included
--   $end_date date = 9999-12-31  last payment day included
--   $grain choice(day|week|month) = month  the length of a period
with

payments_in_range as (
    select
        date_trunc($grain, p.payment_date)::date as period_start,
        p.payment_method,
        p.amount
    from payments as p
    where p.payment_date between $start_date and $end_date
),

per_method as (
    select
        pr.period_start,
        pr.payment_method,
        count(*) as payment_count,
        round(sum(pr.amount), 2) as amount
    from payments_in_range as pr
    group by pr.period_start, pr.payment_method
)

select
    pm.period_start,
    pm.payment_method,
    pm.payment_count,
    pm.amount,
    round(pm.payment_count / sum(pm.payment_count) over (partition by pm.period_start), 4) as count_share,
    round(pm.amount / round(sum(pm.amount) over (partition by pm.period_start), 2), 4) as amount_share
from per_method as pm
order by pm.period_start asc, pm.payment_method asc
