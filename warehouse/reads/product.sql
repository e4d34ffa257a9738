-- product: products by key (the keys a JSON array).
-- columns: product_id bigint, name varchar, category varchar, price double
select
    p.product_id,
    p.name,
    p.category,
    p.price
from products as p
where p.product_id in (select k.value from json_each(?) as k)
