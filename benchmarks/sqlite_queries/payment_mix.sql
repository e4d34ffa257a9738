-- payment_mix: queries/payment_mix.sql in SQLite's dialect: date_trunc becomes strftime/date() modifiers; money is
--  summed as integer cents; shares are rounded as DuckDB rounds them; an integer division is made real.
with per_method as (
    select
        case :grain
            when 'day' then payment_date
            when 'week'
                then date(payment_date, '-' || ((cast(strftime('%w', payment_date) as integer) + 6) % 7) || ' days')
            else strftime('%Y-%m-01', payment_date)
        end as period_start,
        payment_method,
        count(*) as payment_count,
        sum(cast(round(amount * 100) as integer)) as amount_cents
    from payments
    where payment_date between :start_date and :end_date
    group by period_start, payment_method
)

select
    period_start,
    payment_method,
    payment_count,
    amount_cents / 100.0 as amount,
    round((1.0 * payment_count / sum(payment_count) over (partition by period_start)) * 1e4) / 1e4 as count_share,
    round((1.0 * amount_cents / sum(amount_cents) over (partition by period_start)) * 1e4) / 1e4 as amount_share
from per_method
order by period_start, payment_method
