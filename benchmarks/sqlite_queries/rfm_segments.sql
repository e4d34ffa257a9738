-- rfm_segments: queries/rfm_segments.sql in SQLite's dialect: date_diff becomes julianday arithmetic; money is summed
--  as integer cents.
with reference_day as (
    select coalesce(:as_of, max(order_date)) as as_of from orders
),

per_customer as (
    select
        o.customer_id,
        max(o.order_date) as last_order_date,
        count(*) as order_count,
        sum(cast(round(o.total_amount * 100) as integer)) as spend_cents
    from orders as o, reference_day as rd
    where o.order_date <= rd.as_of
    group by o.customer_id
),

scored as (
    select
        pc.*,
        cast(julianday(rd.as_of) - julianday(pc.last_order_date) as integer) as recency_days,
        ntile(5) over (order by pc.last_order_date, pc.customer_id) as r_score,
        ntile(5) over (order by pc.order_count, pc.customer_id) as f_score,
        ntile(5) over (order by pc.spend_cents, pc.customer_id) as m_score
    from per_customer as pc, reference_day as rd
)

select
    customer_id,
    last_order_date,
    recency_days,
    order_count,
    spend_cents / 100.0 as total_spend,
    r_score,
    f_score,
    m_score,
    r_score || f_score || m_score as rfm_code,
    case
        when r_score >= 4 and f_score >= 4 then 'champions'
        when r_score >= 3 and f_score >= 3 then 'loyal'
        when r_score >= 4 then 'new'
        when r_score <= 2 and f_score >= 3 then 'at_risk'
        when r_score <= 2 then 'hibernating'
        else 'needs_attention'
    end as segment
from scored
order by customer_id
