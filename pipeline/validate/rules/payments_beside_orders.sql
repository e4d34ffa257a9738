-- pass: each payment beside its order (a full join: either side may be missing)
-- rule order_has_payment: orders.order_id
--   every order has a payment
--   examples: order_id
--   requires: payments
-- rule payment_after_order: payments.payment_date
--   payment_date is on or after its order's order_date
--   examples: payment_id, payment_date, order_id, order_date
-- foreign key: payments.order_id
select
    p.payment_id,
    p.payment_date,
    coalesce(p.order_id, o.order_id) as order_id,
    o.order_date,
    p.payment_id is null as breaks_order_has_payment,
    p.payment_date < o.order_date as breaks_payment_after_order,
    o.order_date is null as breaks_order_id_reference
from payments as p
full join orders as o on p.order_id = o.order_id
