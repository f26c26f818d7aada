-- Business-key lookup that prunes (issue 11 item 1): `key=value` -> the
-- executions carrying it and the day each started, ordered by the pair, so
-- `?where=applicantId=A-1042` reads a few index rows, then only those days'
-- partitions of `executions` and only those ids.
--
-- Migration 0055's bloom filter on `business_keys` did not pay: with ~one
-- execution per key, every granule of every partition had to be probed (its
-- filter is as large as the granule's keys), measured slower than a scan at
-- 1M steps. This table holds one small row per key of an execution.
--
-- Filled from `executions` by a materialized view (one row per element of
-- the root's `business_keys`); a re-delivered root collapses onto its rows
-- (ReplacingMergeTree). A key the root no longer carries after a
-- re-delivery stays listed here: readers still check `has(business_keys, …)`
-- on the executions they read, so a stale entry costs a read, never a wrong
-- answer. Small granules: a lookup reads one granule per part, not 8,192 rows.
-- Erased with the executions (deletion/: key values are often personal
-- data) and expired with them: 31 days from the start's day, the raw tables'
-- 30 days plus the day its rows round down (store/retention.ts keeps it one
-- day longer than XRAY_RETENTION_DAYS).

CREATE TABLE IF NOT EXISTS business_key_index
(
    app_id        LowCardinality(String),
    key_value     String,
    execution_id  String,
    day           Date
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, key_value, execution_id, day)
TTL day + INTERVAL 31 DAY
SETTINGS index_granularity = 256;

CREATE MATERIALIZED VIEW IF NOT EXISTS business_key_index_mv TO business_key_index AS
SELECT app_id, arrayJoin(business_keys) AS key_value, execution_id, toDate(start_time) AS day
FROM executions;

-- Executions stored before this migration.
INSERT INTO business_key_index
SELECT app_id, arrayJoin(business_keys) AS key_value, execution_id, toDate(start_time) AS day
FROM executions;
