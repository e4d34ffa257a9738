-- build: the build being served (build_record), and the writes made through the API since.
-- columns: build_id varchar, built_at varchar, source varchar, seed bigint, scale double, end_date date,
--   anomaly_rate double, edits bigint, last_audit_id bigint, marts_through bigint
select
    b.build_id,
    b.built_at,
    b.source,
    b.seed,
    b.scale,
    b.end_date,
    b.anomaly_rate,
    (select count(*) from audit_log) as edits,
    (select coalesce(max(a.audit_id), 0) from audit_log as a) as last_audit_id,
    (select m.refreshed_through from mart_state as m) as marts_through
from build_record as b
