-- category_revenue_timeseries: queries/category_revenue_timeseries.sql in SQLite's dialect: date_trunc becomes
--  strftime/date() modifiers; money is summed as integer cents.
select
    case :grain
        when 'day' then o.order_date
        when 'week' then date(o.order_date, '-' || ((cast(strftime('%w', o.order_date) as integer) + 6) % 7) || ' days')
        else strftime('%Y-%m-01', o.order_date)
    end as period_start,
    p.category,
    count(distinct i.order_id) as order_count,
    sum(i.quantity) as units,
    sum(cast(round(i.line_total * 100) as integer)) / 100.0 as revenue
from order_items as i
inner join orders as o on i.order_id = o.order_id
inner join products as p on i.product_id = p.product_id
where o.order_date between :start_date and :end_date
group by 1, 2
order by 1, 2
