-- window: the first and last day with an order, a payment or a signup, from the daily marts (their keys).
-- columns: first_day date, last_day date
select
    min(ends.day) as first_day,
    max(ends.day) as last_day
from (
    select min(period_start) as day from mart_revenue_daily
    union all
    select max(period_start) from mart_revenue_daily
    union all
    select min(period_start) from mart_payment_mix_daily
    union all
    select max(period_start) from mart_payment_mix_daily
    union all
    select min(period_start) from mart_signups_daily
    union all
    select max(period_start) from mart_signups_daily
) as ends
