-- table_state: each table's rows, as the build counted them and every write since has kept them.
-- columns: table_name varchar, row_count bigint
select
    t.table_name,
    t.row_count
from table_state as t
order by t.rowid
