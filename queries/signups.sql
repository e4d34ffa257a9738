-- signups: how many customers signed up per day, week (ISO, from Monday) or month?
-- grain: one row per period with at least one signup in the date range, oldest first.
-- params:
--   $start_date date = 1900-01-01  first signup day included
--   $end_date date = 9999-12-31  last signup day included
--   $grain choice(day|week|month) = month  the length of a period
with

signups_in_range as (
    select date_trunc($grain, c.signup_date)::date as period_start
    from customers as c
    where c.signup_date between $start_date and $end_date
)

select
    s.period_start,
    count(*) as signups
from signups_in_range as s
group by s.period_start
order by s.period_start asc
