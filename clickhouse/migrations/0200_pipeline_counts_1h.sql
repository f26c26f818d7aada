-- Plain exact counts per pipeline, environment and hour (issue 10, the
-- failure rate's margin).
--
-- `pipeline_stats_1h` keeps sets of execution-id hashes, so a re-delivered
-- execution counts once however often the rollup job folds it in. Reading 30
-- days of it means merging ~17,000 sets on every failure-rate request: at
-- 10M steps that merge cost more than reading the raw executions with FINAL
-- (bench/README.md, "Latest figures"). This table holds the result of that
-- merge, one row per pipeline, environment and hour: two numbers instead of
-- two sets.
--
-- The rollup job recounts an hour from `pipeline_stats_1h` whenever a pass
-- folds rows into it, and a deletion recounts the hours it rebuilt. A newer
-- count replaces the older one (ReplacingMergeTree on `version`, the time
-- the count's read began: the read that began last saw every state the
-- others saw), so read it with FINAL.
--
-- It is exact for every hour that no row stored since the watermark named
-- 'pipeline_counts_1h' in `rollup_progress` falls in; the collector reads
-- the other hours from the sets (collector/src/store/failure-rate.ts).
-- That watermark is separate from the sets' own ('rollups') so a collector
-- that predates this table, folding rows without recounting, leaves their
-- hours to be recounted by the next one that does.

CREATE TABLE IF NOT EXISTS pipeline_counts_1h
(
    app_id       LowCardinality(String),
    pipeline     LowCardinality(String),
    environment  LowCardinality(String),
    bucket       DateTime('UTC'),
    executions   UInt64,
    failed       UInt64,
    version      DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(bucket)
ORDER BY (app_id, pipeline, environment, bucket)
TTL bucket + INTERVAL 400 DAY;

-- Every hour the sets hold now (a count of the same sets: running it twice changes nothing).
INSERT INTO pipeline_counts_1h (app_id, pipeline, environment, bucket, executions, failed, version)
SELECT app_id, pipeline, environment, bucket, uniqExactMerge(executions), uniqExactIfMerge(failed), now64(6)
FROM pipeline_stats_1h
GROUP BY app_id, pipeline, environment, bucket;

-- The counts are as current as the sets: the same watermark, set once.
INSERT INTO rollup_progress (name, through)
SELECT 'pipeline_counts_1h', max(through) FROM rollup_progress
WHERE name = 'rollups' AND (SELECT count() FROM rollup_progress WHERE name = 'pipeline_counts_1h') = 0;
