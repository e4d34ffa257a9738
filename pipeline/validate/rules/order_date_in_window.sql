-- table: orders
-- column: order_date
-- rule: order_date lies inside the generation window [$window_start, $window_end]
select
    order_id,
    order_date
from orders
where order_date not between $window_start and $window_end
