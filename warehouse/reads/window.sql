-- window: the first and last day with an order, a payment or a signup, from the daily marts (their keys).
-- columns: first_day date, last_day date
SELECT
    min(day) AS first_day,
    max(day) AS last_day
FROM (
    SELECT min(period_start) AS day FROM mart_revenue_daily
    UNION ALL SELECT max(period_start) FROM mart_revenue_daily
    UNION ALL SELECT min(period_start) FROM mart_payment_mix_daily
    UNION ALL SELECT max(period_start) FROM mart_payment_mix_daily
    UNION ALL SELECT min(period_start) FROM mart_signups_daily
    UNION ALL SELECT max(period_start) FROM mart_signups_daily
)
