-- The audit log: one row per query-API read and per admin action (who, what,
-- with which parameters, the status and how many rows came back). Written off
-- the request path by collector/src/audit/ in batches.
--
-- app_id is the caller's app for query-API reads and the app an admin action
-- targets ('' when it targets none, such as admin SQL); actor is the key's
-- display prefix, 'admin', or 'anonymous' when no credential was accepted.
-- Rows are never updated, so a plain MergeTree; request_id breaks ties in the
-- newest-first cursor of GET /api/v1/admin/audit.
--
-- Retention is its own (XRAY_AUDIT_RETENTION_DAYS, 90 days by default, set at
-- start-up with ALTER ... MODIFY TTL); daily partitions are dropped whole.

CREATE TABLE IF NOT EXISTS audit_log
(
    app_id       LowCardinality(String),
    time         DateTime64(3, 'UTC'),
    request_id   String,
    actor        LowCardinality(String),
    method       LowCardinality(String),
    route        LowCardinality(String),
    path         String,
    params       String CODEC(ZSTD(1)),
    status       UInt16,
    rows         UInt32,
    duration_ms  Float64
)
ENGINE = MergeTree
PARTITION BY toDate(time)
ORDER BY (app_id, time, request_id)
TTL toDateTime(time) + INTERVAL 90 DAY DELETE
SETTINGS ttl_only_drop_parts = 1;
