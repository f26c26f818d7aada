-- The rollups leave the insert path (issue 10, item 4).
--
-- Until now three materialized views (pipeline_stats_1m_mv,
-- pipeline_stats_1h_mv, step_stats_1h_mv) ran inside every ingest insert.
-- A view costs a query pipeline and a new part of its target per insert,
-- whatever it computes, so at the collector's batch sizes the rollups took
-- 17-30% of insert CPU (bench/README.md, `ingest`). Now the collector's
-- rollup job (collector/src/rollups/rollup-job.ts) folds the rows stored
-- since the last run into the same tables every few seconds: one
-- `INSERT ... SELECT` per rollup for thousands of inserts.
--
-- The rows not yet folded in are never missing from an answer:
--   - rollup_progress holds `through`: every row whose inserted_at is before
--     it is in the rollups. The job moves it only after its inserts
--     succeeded, and only up to a time before which no insert is still
--     running, so a row that commits late is never skipped;
--   - <rollup>_pending_since(since = t) is a view of the rows stored at or
--     after t, as the rollup's own states; <rollup>_pending is it at
--     `through`, and <rollup>_live the rollup plus its pending rows.
--     The states are sets of ids, so a row in both (the job folded it in
--     while a reader read it raw) counts once. The dashboards and the alert
--     rules read the _live views; the collector binds the watermark it knows
--     into _pending_since (and skips it when it knows nothing is pending);
--     ad-hoc SQL may read the rollup (up to a pass behind) or _live.
--
-- The minmax indexes on inserted_at let the pending views skip every
-- granule stored before `through`: only the newest parts are read.

CREATE TABLE IF NOT EXISTS rollup_progress
(
    name        LowCardinality(String),
    through     DateTime64(3, 'UTC'),
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY name;

-- Set before the views go, once: rows stored between this and the DROPs are
-- folded in twice (by a view and by the job), which the sets absorb.
INSERT INTO rollup_progress (name, through)
SELECT 'rollups', now64(3) WHERE (SELECT count() FROM rollup_progress WHERE name = 'rollups') = 0;

DROP VIEW IF EXISTS pipeline_stats_1m_mv;
DROP VIEW IF EXISTS pipeline_stats_1h_mv;
DROP VIEW IF EXISTS step_stats_1h_mv;

ALTER TABLE executions ADD INDEX IF NOT EXISTS inserted_at_minmax inserted_at TYPE minmax GRANULARITY 1;
ALTER TABLE executions MATERIALIZE INDEX inserted_at_minmax;
ALTER TABLE steps ADD INDEX IF NOT EXISTS inserted_at_minmax inserted_at TYPE minmax GRANULARITY 1;
ALTER TABLE steps MATERIALIZE INDEX inserted_at_minmax;

CREATE VIEW IF NOT EXISTS pipeline_stats_1m_pending_since AS
SELECT
    app_id,
    pipeline,
    environment,
    toStartOfMinute(start_time) AS bucket,
    uniqExactState(execution_id) AS executions,
    uniqExactIfState(execution_id, status = 'failed') AS failed
FROM executions
WHERE inserted_at >= {since:DateTime64(3, 'UTC')}
GROUP BY app_id, pipeline, environment, bucket;

CREATE VIEW IF NOT EXISTS pipeline_stats_1h_pending_since AS
SELECT
    app_id,
    pipeline,
    environment,
    toStartOfHour(start_time) AS bucket,
    uniqExactState(cityHash64(execution_id)) AS executions,
    uniqExactIfState(cityHash64(execution_id), status = 'failed') AS failed
FROM executions
WHERE inserted_at >= {since:DateTime64(3, 'UTC')}
GROUP BY app_id, pipeline, environment, bucket;

CREATE VIEW IF NOT EXISTS step_stats_1h_pending_since AS
SELECT
    app_id,
    pipeline,
    environment,
    name,
    toStartOfHour(start_time) AS bucket,
    uniqExactState(execution_id, span_id) AS steps,
    uniqExactIfState(execution_id, span_id, status = 'failed') AS failed
FROM steps
WHERE inserted_at >= {since:DateTime64(3, 'UTC')}
GROUP BY app_id, pipeline, environment, name, bucket;

CREATE VIEW IF NOT EXISTS pipeline_stats_1m_pending AS
SELECT app_id, pipeline, environment, bucket, executions, failed
FROM pipeline_stats_1m_pending_since(since = (SELECT max(through) FROM rollup_progress WHERE name = 'rollups'));

CREATE VIEW IF NOT EXISTS pipeline_stats_1h_pending AS
SELECT app_id, pipeline, environment, bucket, executions, failed
FROM pipeline_stats_1h_pending_since(since = (SELECT max(through) FROM rollup_progress WHERE name = 'rollups'));

CREATE VIEW IF NOT EXISTS step_stats_1h_pending AS
SELECT app_id, pipeline, environment, name, bucket, steps, failed
FROM step_stats_1h_pending_since(since = (SELECT max(through) FROM rollup_progress WHERE name = 'rollups'));

CREATE VIEW IF NOT EXISTS pipeline_stats_1m_live AS
SELECT app_id, pipeline, environment, bucket, executions, failed FROM pipeline_stats_1m
UNION ALL
SELECT app_id, pipeline, environment, bucket, executions, failed FROM pipeline_stats_1m_pending;

CREATE VIEW IF NOT EXISTS pipeline_stats_1h_live AS
SELECT app_id, pipeline, environment, bucket, executions, failed FROM pipeline_stats_1h
UNION ALL
SELECT app_id, pipeline, environment, bucket, executions, failed FROM pipeline_stats_1h_pending;

CREATE VIEW IF NOT EXISTS step_stats_1h_live AS
SELECT app_id, pipeline, environment, name, bucket, steps, failed FROM step_stats_1h
UNION ALL
SELECT app_id, pipeline, environment, name, bucket, steps, failed FROM step_stats_1h_pending;
