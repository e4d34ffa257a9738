-- table: customers
-- column: signup_date
-- rule: signup_date lies inside the generation window [$window_start, $window_end]
select
    customer_id,
    signup_date
from customers
where signup_date not between $window_start and $window_end
