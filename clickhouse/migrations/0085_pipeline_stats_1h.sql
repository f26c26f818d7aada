-- Failure rates over long windows from an hourly rollup (issue 10).
--
-- `pipeline_stats_1m` holds about one execution per state once traffic is
-- spread over pipelines, environments and minutes, so merging 30 days of it
-- costs as much as reading the raw executions. An hour per row keeps the
-- states few (12 pipelines x 2 environments x 720 hours = 17,280 rows for
-- 30 days whatever the traffic) and each one larger; the failure-rate route
-- reads the whole hours of a window from here and its partial edge hours
-- from `executions` (or the per-minute rollup outside the raw retention).
--
-- The states are sets of 64-bit hashes of execution ids: a re-delivered
-- batch inserts the same execution again and the set absorbs it, so nothing
-- is counted twice (a sum would double count). cityHash64 of the id rather
-- than the id (whose state is a set of 128-bit hashes): half the bytes, a
-- cheaper hash at insert; two different executions of one pipeline,
-- environment and hour colliding in 64 bits is ~n^2 / 2^65, nil at any
-- realistic n.

CREATE TABLE IF NOT EXISTS pipeline_stats_1h
(
    app_id       LowCardinality(String),
    pipeline     LowCardinality(String),
    environment  LowCardinality(String),
    bucket       DateTime('UTC'),
    executions   AggregateFunction(uniqExact, UInt64),
    failed       AggregateFunction(uniqExactIf, UInt64, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (app_id, pipeline, environment, bucket)
TTL bucket + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS pipeline_stats_1h_mv TO pipeline_stats_1h AS
SELECT
    app_id,
    pipeline,
    environment,
    toStartOfHour(start_time) AS bucket,
    uniqExactState(cityHash64(execution_id)) AS executions,
    uniqExactIfState(cityHash64(execution_id), status = 'failed') AS failed
FROM executions
GROUP BY app_id, pipeline, environment, bucket;

-- Executions stored before this migration (a set state: running it twice changes nothing).
INSERT INTO pipeline_stats_1h
SELECT app_id, pipeline, environment, toStartOfHour(start_time) AS bucket,
       uniqExactState(cityHash64(execution_id)), uniqExactIfState(cityHash64(execution_id), status = 'failed')
FROM executions
GROUP BY app_id, pipeline, environment, bucket;
