-- What the warehouse records about itself, beside the data model of schema.sql. Created in every build.
-- A column's trailing comment is its description in the data dictionary.

-- One row: the build this file is. Readers (the API's /ready, the dashboard) trust this, not data/manifest.json.
create table build_record (
    build_id TEXT not null primary key,  -- Identifies this build: a random token, fresh per build.
    built_at TEXT not null,  -- When the build was swapped in, UTC, ISO-8601.
    source TEXT not null,  -- "lake" for a generated lake, else the --source directory loaded.
    source_hash TEXT not null,  -- Digest of the per-table content hashes of the rows loaded.
    seed INTEGER,  -- Generation seed; null for a --source load.
    scale REAL,  -- Generation scale factor; null for a --source load.
    end_date DATE,  -- Last day of the generation window; null for a --source load.
    anomaly_rate REAL  -- Share of orders that start an anomaly; null for a --source load.
);

-- One row per write made through the API, in the same transaction as the write.
create table audit_log (
    audit_id INTEGER primary key,  -- Order of the writes.
    at TEXT not null,  -- When the write committed, UTC, ISO-8601.
    key_id TEXT not null,  -- Which API key made the write: a digest of it, never the key.
    action TEXT not null check (action = 'create' or action = 'update' or action = 'delete'),  -- What was done.
    resource TEXT not null,  -- The table written: customers, products or orders (with its items and payment).
    resource_id INTEGER not null,  -- The key of the row written.
    "before" TEXT,  -- The row before the write, as JSON; null for a create.
    "after" TEXT  -- The row after the write, as JSON; null for a delete.
);

-- One row: how far the marts are up to date with the writes (marts are stale while audit rows are newer).
create table mart_state (
    refreshed_through INTEGER not null  -- The last audit_id the marts include (0: the build's own data).
);

-- One row per table of the data model: its rows and the largest key it has held, kept by every write.
create table table_state (
    table_name TEXT not null primary key,  -- A table of the data model.
    row_count INTEGER not null check (row_count >= 0),  -- Its rows: counted by the build, then kept by each write.
    last_key INTEGER not null  -- The largest key it has held: a new row gets the next one, a deleted key is not reused.
);

-- One row per create sent with an Idempotency-Key, kept 24 hours: the same request again gets the same answer.
create table idempotent_request (
    key_id TEXT not null,  -- Which API key sent it: a digest of it, never the key (keys are scoped per API key).
    idempotency_key TEXT not null,  -- The Idempotency-Key header as sent.
    request_hash TEXT not null,  -- Digest of the method, path and body: the same key with another request is refused.
    at TEXT not null,  -- When the write committed, UTC, ISO-8601; forgotten 24 hours later.
    status INTEGER not null,  -- The status of the answer.
    answer TEXT not null,  -- The body of the answer, as JSON.
    primary key (key_id, idempotency_key)
);
