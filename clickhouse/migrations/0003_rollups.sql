-- Materialized rollups so dashboards over long ranges never scan raw rows.
--
-- Counts are uniqExact states over ids rather than plain counters: a
-- re-delivered batch inserts the same execution (or step) again, and a set of
-- ids absorbs the duplicate where a sum would double count it.

CREATE TABLE IF NOT EXISTS pipeline_stats_1m
(
    app_id       LowCardinality(String),
    pipeline     LowCardinality(String),
    environment  LowCardinality(String),
    bucket       DateTime('UTC'),
    executions   AggregateFunction(uniqExact, String),
    failed       AggregateFunction(uniqExactIf, String, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (app_id, pipeline, environment, bucket)
TTL bucket + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_stats_1m_mv TO pipeline_stats_1m AS
SELECT
    app_id,
    pipeline,
    environment,
    toStartOfMinute(start_time) AS bucket,
    uniqExactState(execution_id) AS executions,
    uniqExactIfState(execution_id, status = 'failed') AS failed
FROM executions
GROUP BY app_id, pipeline, environment, bucket;

CREATE TABLE IF NOT EXISTS step_stats_1h
(
    app_id       LowCardinality(String),
    pipeline     LowCardinality(String),
    environment  LowCardinality(String),
    name         LowCardinality(String),
    bucket       DateTime('UTC'),
    steps        AggregateFunction(uniqExact, String, String),
    failed       AggregateFunction(uniqExactIf, String, String, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (app_id, pipeline, environment, name, bucket)
TTL bucket + INTERVAL 400 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS step_stats_1h_mv TO step_stats_1h AS
SELECT
    app_id,
    pipeline,
    environment,
    name,
    toStartOfHour(start_time) AS bucket,
    uniqExactState(execution_id, span_id) AS steps,
    uniqExactIfState(execution_id, span_id, status = 'failed') AS failed
FROM steps
GROUP BY app_id, pipeline, environment, name, bucket;
