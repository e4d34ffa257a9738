-- signups: at its defaults (the whole history), at any grain, summed from the daily mart.
-- from: mart_signups_daily
select
    date_trunc($grain, d.period_start)::date as period_start,
    sum(d.signups)::bigint as signups
from source as d
group by date_trunc($grain, d.period_start)::date
order by period_start asc
