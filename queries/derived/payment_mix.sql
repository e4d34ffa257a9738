-- payment_mix: at its defaults (the whole history), at any grain, summed from the daily mart; the shares are taken
-- again of the month's totals, as the query takes them.
-- from: mart_payment_mix_daily
with

per_method as (
    select
        date_trunc($grain, d.period_start)::date as period_start,
        d.payment_method,
        sum(d.payment_count)::bigint as payment_count,
        round(sum(d.amount), 2) as amount
    from source as d
    group by date_trunc($grain, d.period_start)::date, d.payment_method
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
