-- table: payments
-- column: payment_date
-- rule: payment_date lies inside the generation window [$window_start, $window_end]
select
    payment_id,
    payment_date
from payments
where payment_date not between $window_start and $window_end
