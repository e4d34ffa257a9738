-- price_distribution: queries/price_distribution.sql in SQLite's dialect: money is summed as integer cents;
--  quantile_cont is worked out by hand.
-- quantile_cont by hand: the value at position h = (n - 1) * q of the sorted prices, interpolated between the
-- prices at floor(h) and ceil(h); SQLite's round() is half away from zero, as DuckDB's is.
with priced as (
    select
        category,
        cast(round(price * 100) as integer) as cents,
        row_number() over (partition by category order by round(price * 100)) - 1 as pos,
        count(*) over (partition by category) as n
    from products
),

q as (
    select 0.25 as q
    union all
    select 0.5
    union all
    select 0.75
),

positions as (
    select distinct
        pr.category,
        q.q,
        (pr.n - 1) * q.q as h
    from priced as pr
    cross join q
),

quartiles as (
    select
        ps.category,
        ps.q,
        lo.cents + (ps.h - lo.pos) * (hi.cents - lo.cents) as cents
    from positions as ps
    inner join priced as lo on ps.category = lo.category and lo.pos = cast(ps.h as integer)
    inner join priced as hi
        on ps.category = hi.category and hi.pos = cast(ps.h as integer) + (ps.h > cast(ps.h as integer))
)

select
    pr.category,
    count(*) as product_count,
    min(pr.cents) / 100.0 as min_price,
    (
        select round(qt.cents) / 100.0 from quartiles as qt
        where qt.category = pr.category and qt.q = 0.25
    ) as q1_price,
    (
        select round(qt.cents) / 100.0 from quartiles as qt
        where qt.category = pr.category and qt.q = 0.5
    ) as median_price,
    (
        select round(qt.cents) / 100.0 from quartiles as qt
        where qt.category = pr.category and qt.q = 0.75
    ) as q3_price,
    max(pr.cents) / 100.0 as max_price,
    round(avg(pr.cents)) / 100.0 as mean_price
from priced as pr
group by pr.category
order by pr.category
