-- build: the build being served (build_record), and the writes made through the API since.
-- columns: build_id varchar, built_at varchar, source varchar, seed bigint, scale double, end_date date,
--   anomaly_rate double, edits bigint, last_audit_id bigint, marts_through bigint
SELECT
    b.build_id,
    b.built_at,
    b.source,
    b.seed,
    b.scale,
    b.end_date,
    b.anomaly_rate,
    (SELECT count(*) FROM audit_log) AS edits,
    (SELECT coalesce(max(audit_id), 0) FROM audit_log) AS last_audit_id,
    (SELECT refreshed_through FROM mart_state) AS marts_through
FROM build_record AS b
