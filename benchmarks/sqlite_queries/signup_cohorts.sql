-- signup_cohorts: queries/signup_cohorts.sql in SQLite's dialect: date_trunc becomes strftime/date() modifiers;
--  shares are rounded as DuckDB rounds them; an integer division is made real.
with cohorts as (
    select
        customer_id,
        strftime('%Y-%m-01', signup_date) as cohort_month
    from customers
),

cohort_sizes as (
    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month
),

activity as (
    select distinct
        co.cohort_month,
        o.customer_id,
        (cast(strftime('%Y', o.order_date) as integer) * 12 + cast(strftime('%m', o.order_date) as integer))
        - (cast(strftime('%Y', co.cohort_month) as integer) * 12 + cast(strftime('%m', co.cohort_month) as integer))
            as months_since_signup
    from orders as o
    inner join cohorts as co on o.customer_id = co.customer_id
),

active_counts as (
    select
        cohort_month,
        months_since_signup,
        count(*) as active_customers
    from activity
    where months_since_signup <= :max_months
    group by cohort_month, months_since_signup
),

offsets (months_since_signup) as (
    select 0
    union all
    select months_since_signup + 1 from offsets
    where months_since_signup < :max_months
),

last_month as (
    select strftime('%Y-%m-01', max(order_date)) as last_order_month from orders
),

grid as (
    select
        cs.cohort_month,
        cs.cohort_size,
        m.months_since_signup
    from cohort_sizes as cs
    cross join offsets as m
    cross join last_month as lm
    where date(cs.cohort_month, '+' || m.months_since_signup || ' months') <= lm.last_order_month
)

select
    g.cohort_month,
    g.months_since_signup,
    g.cohort_size,
    coalesce(ac.active_customers, 0) as active_customers,
    round((1.0 * coalesce(ac.active_customers, 0) / g.cohort_size) * 1e4) / 1e4 as retention_rate
from grid as g
left join active_counts as ac
    on g.cohort_month = ac.cohort_month and g.months_since_signup = ac.months_since_signup
order by g.cohort_month, g.months_since_signup
