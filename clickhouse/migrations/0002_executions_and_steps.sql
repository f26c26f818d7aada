-- One row per execution (from the execution's root span) and one row per
-- step (every other span of the execution). See clickhouse/README.md for why
-- the ordering keys are what they are.
--
-- Both tables are ReplacingMergeTree keyed so that a re-delivered OTLP batch
-- collapses onto the rows it already wrote; the query API reads them with
-- FINAL (or a LIMIT 1 BY) so duplicates never reach a user even before the
-- background merge has run.
--
-- Partitions are days, and retention is a TTL with ttl_only_drop_parts = 1:
-- expired data goes away by dropping whole partitions, never by rewriting
-- parts row by row.

CREATE TABLE IF NOT EXISTS executions
(
    app_id          LowCardinality(String),
    execution_id    String,
    trace_id        String,
    root_span_id    String,
    pipeline        LowCardinality(String),
    environment     LowCardinality(String),
    service_name    LowCardinality(String),
    status          LowCardinality(String),
    start_time      DateTime64(9, 'UTC'),
    end_time        DateTime64(9, 'UTC'),
    duration_ms     Float64,
    step_count      UInt32,
    error_count     UInt32,
    dropped_steps   UInt32,
    error_message   String,
    metadata        String,
    final_outcome   String,
    attributes      Map(LowCardinality(String), String),
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX execution_id_bf execution_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX pipeline_set pipeline TYPE set(256) GRANULARITY 4,
    INDEX status_set status TYPE set(8) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toDate(start_time)
ORDER BY (app_id, start_time, execution_id)
TTL toDateTime(start_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192;

CREATE TABLE IF NOT EXISTS steps
(
    app_id          LowCardinality(String),
    execution_id    String,
    trace_id        String,
    span_id         String,
    parent_span_id  String,
    sequence        UInt32,
    name            LowCardinality(String),
    pipeline        LowCardinality(String),
    environment     LowCardinality(String),
    status          LowCardinality(String),
    start_time      DateTime64(9, 'UTC'),
    end_time        DateTime64(9, 'UTC'),
    duration_ms     Float64,
    input           String CODEC(ZSTD(3)),
    output          String CODEC(ZSTD(3)),
    reasoning       String CODEC(ZSTD(3)),
    error_type      String,
    error_message   String,
    error_stack     String CODEC(ZSTD(3)),
    model           LowCardinality(String),
    provider        LowCardinality(String),
    input_tokens    UInt32,
    output_tokens   UInt32,
    cost_usd        Float64,
    attributes      Map(LowCardinality(String), String) CODEC(ZSTD(3)),
    inserted_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX reasoning_text reasoning TYPE text(tokenizer = splitByNonAlpha, preprocessor = lower(reasoning)),
    INDEX name_set name TYPE set(1024) GRANULARITY 4,
    INDEX status_set status TYPE set(16) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(inserted_at)
PARTITION BY toDate(start_time)
ORDER BY (app_id, execution_id, span_id)
TTL toDateTime(start_time) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1, index_granularity = 1024;
