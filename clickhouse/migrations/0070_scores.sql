-- Scores: judgements attached to an execution (or one of its steps) after the
-- fact, by a person or a program: a named value (numeric, boolean or
-- categorical), a comment, the author and the time. One row per judgement;
-- a later score of the same name on the same execution supersedes the earlier
-- one in filters and aggregates (the list keeps all of them).
--
-- `pipeline`, `environment` and `execution_start` are copied from the
-- execution when the score is written, so aggregating scores over time per
-- pipeline reads this table alone. Ordered by (app_id, execution_id, ...):
-- the tenant first, then the execution whose scores are listed together.
-- Monthly partitions (scores are few next to steps) dropped whole by the TTL.
CREATE TABLE IF NOT EXISTS scores
(
    app_id           LowCardinality(String),
    execution_id     String,
    score_id         String,
    span_id          String,
    name             LowCardinality(String),
    kind             LowCardinality(String),
    value_number     Float64,
    value_text       String,
    comment          String CODEC(ZSTD(3)),
    author           String,
    pipeline         LowCardinality(String),
    environment      LowCardinality(String),
    execution_start  DateTime64(9, 'UTC'),
    scored_at        DateTime64(3, 'UTC'),
    inserted_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toYYYYMM(scored_at)
ORDER BY (app_id, execution_id, name, score_id)
TTL toDateTime(scored_at) + INTERVAL 400 DAY
SETTINGS ttl_only_drop_parts = 1;
