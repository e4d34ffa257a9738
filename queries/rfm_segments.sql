-- rfm_segments: recency, frequency and monetary scores (quintiles, 5 = best) and a segment per customer.
-- Segments: champions (R>=4, F>=4), loyal (R>=3, F>=3), new (R>=4), at_risk (R<=2, F>=3),
--   hibernating (R<=2), needs_attention (the rest). Quintile ties are broken by customer_id.
-- grain: one row per customer with an order on or before $as_of, by customer_id.
-- params:
--   $as_of date? = null  the day the scores are taken on (default: the last order day in the data)
with

reference_day as (
    select coalesce($as_of, max(o.order_date)) as as_of
    from orders as o
),

per_customer as (
    select
        o.customer_id,
        max(o.order_date) as last_order_date,
        count(*) as order_count,
        round(sum(o.total_amount), 2) as total_spend
    from orders as o
    cross join reference_day as rd
    where o.order_date <= rd.as_of
    group by o.customer_id
),

scored as (
    select
        pc.customer_id,
        pc.last_order_date,
        date_diff('day', pc.last_order_date, rd.as_of) as recency_days,
        pc.order_count,
        pc.total_spend,
        ntile(5) over (order by pc.last_order_date asc, pc.customer_id asc) as r_score,
        ntile(5) over (order by pc.order_count asc, pc.customer_id asc) as f_score,
        ntile(5) over (order by pc.total_spend asc, pc.customer_id asc) as m_score
    from per_customer as pc
    cross join reference_day as rd
)

select
    s.customer_id,
    s.last_order_date,
    s.recency_days,
    s.order_count,
    s.total_spend,
    s.r_score,
    s.f_score,
    s.m_score,
    concat(s.r_score, s.f_score, s.m_score) as rfm_code,
    case
        when s.r_score >= 4 and s.f_score >= 4 then 'champions'
        when s.r_score >= 3 and s.f_score >= 3 then 'loyal'
        when s.r_score >= 4 then 'new'
        when s.r_score <= 2 and s.f_score >= 3 then 'at_risk'
        when s.r_score <= 2 then 'hibernating'
        else 'needs_attention'
    end as segment
from scored as s
order by s.customer_id asc
