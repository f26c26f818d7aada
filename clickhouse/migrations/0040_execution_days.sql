-- Which days hold an execution's rows: a point lookup from an execution id
-- to its daily partitions. `executions` is ordered by (app_id, start_time, ...)
-- and `steps` is partitioned by day, so without this a lookup by id probes a
-- bloom filter in every partition of `executions` and a primary key in every
-- partition of `steps`. With it, the detail route reads one small table
-- (ordered by id) and then only the partitions named here (the IN subquery
-- prunes partitions and min-max indexes before any granule is read).
--
-- Filled by materialized views from both tables, so a step that arrives
-- before its root (or alone) is found as well; re-delivered rows collapse
-- (ReplacingMergeTree, and readers only ever ask "which days").
-- The TTL is long (an index row is ~50 bytes): when a lookup finds nothing,
-- readers fall back to scanning every partition, so an expired entry is slow,
-- never wrong.

CREATE TABLE IF NOT EXISTS execution_days
(
    app_id        LowCardinality(String),
    execution_id  String,
    day           Date
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (app_id, execution_id, day)
TTL day + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS execution_days_from_steps_mv TO execution_days AS
SELECT DISTINCT app_id, execution_id, toDate(start_time) AS day
FROM steps;

CREATE MATERIALIZED VIEW IF NOT EXISTS execution_days_from_executions_mv TO execution_days AS
SELECT DISTINCT app_id, execution_id, toDate(start_time) AS day
FROM executions;

-- Rows stored before this migration.
INSERT INTO execution_days
SELECT DISTINCT app_id, execution_id, toDate(start_time) FROM steps;

INSERT INTO execution_days
SELECT DISTINCT app_id, execution_id, toDate(start_time) FROM executions;
