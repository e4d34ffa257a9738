-- signup_cohorts: of the customers who signed up in a month, what share ordered again N months later?
-- grain: one row per (signup month, months since signup) from 0 to $max_months, up to the month of the
--   last order in the data; months with no active customer are included with zeros.
-- params:
--   $max_months int = 12 [0, 600]  the last month offset reported
with

cohorts as (
    select
        c.customer_id,
        date_trunc('month', c.signup_date)::date as cohort_month
    from customers as c
),

cohort_sizes as (
    select
        co.cohort_month,
        count(*) as cohort_size
    from cohorts as co
    group by co.cohort_month
),

activity as (
    select distinct
        co.cohort_month,
        o.customer_id,
        date_diff('month', co.cohort_month, date_trunc('month', o.order_date)::date) as months_since_signup
    from orders as o
    inner join cohorts as co on o.customer_id = co.customer_id
),

active_counts as (
    select
        a.cohort_month,
        a.months_since_signup,
        count(*) as active_customers
    from activity as a
    where a.months_since_signup <= $max_months
    group by a.cohort_month, a.months_since_signup
),

month_offsets as (
    select unnest(range(0, $max_months + 1)) as months_since_signup
),

last_month as (
    select date_trunc('month', max(o.order_date))::date as last_order_month
    from orders as o
),

grid as (
    select
        cs.cohort_month,
        cs.cohort_size,
        m.months_since_signup
    from cohort_sizes as cs
    cross join month_offsets as m
    cross join last_month as lm
    where cs.cohort_month + to_months(m.months_since_signup::integer) <= lm.last_order_month
)

select
    g.cohort_month,
    g.months_since_signup,
    g.cohort_size,
    coalesce(ac.active_customers, 0) as active_customers,
    round(coalesce(ac.active_customers, 0) / g.cohort_size, 4) as retention_rate
from grid as g
left join active_counts as ac
    on g.cohort_month = ac.cohort_month and g.months_since_signup = ac.months_since_signup
order by g.cohort_month asc, g.months_since_signup asc
