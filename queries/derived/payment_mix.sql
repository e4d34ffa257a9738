-- payment_mix: at its defaults (the whole history), at any grain, its totals per period and method summed from
-- the daily mart; the query's shares of each period's totals are then taken as it takes them.
-- from: mart_payment_mix_daily
-- replaces: per_method
select
    date_trunc($grain, d.period_start)::date as period_start,
    d.payment_method,
    sum(d.payment_count)::bigint as payment_count,
    round(sum(d.amount), 2) as amount
from source as d
group by date_trunc($grain, d.period_start)::date, d.payment_method
