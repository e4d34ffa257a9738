-- bought_together: at its defaults (the whole history), each product's count of distinct orders is the product
-- summary's, which counts it over the same lines for every product (unsold ones with 0, which have no basket).
-- from: mart_product_summary
-- replaces: product_orders
select
    s.product_id,
    s.order_count
from source as s
where s.order_count > 0
