-- table: payments
-- column: payment_date
-- rule: payment_date is on or after its order's order_date
select
    p.payment_id,
    p.payment_date,
    o.order_id,
    o.order_date
from payments as p
inner join orders as o on p.order_id = o.order_id
where p.payment_date < o.order_date
