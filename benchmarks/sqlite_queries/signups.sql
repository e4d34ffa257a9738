-- signups: queries/signups.sql in SQLite's dialect: date_trunc becomes strftime/date() modifiers.
select
    case :grain
        when 'day' then signup_date
        when 'week' then date(signup_date, '-' || ((cast(strftime('%w', signup_date) as integer) + 6) % 7) || ' days')
        else strftime('%Y-%m-01', signup_date)
    end as period_start,
    count(*) as signups
from customers
where signup_date between :start_date and :end_date
group by 1
order by 1
