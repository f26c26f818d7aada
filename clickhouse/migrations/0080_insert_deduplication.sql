-- Idempotent inserts (issue 13): every ingest insert carries an
-- insert_deduplication_token derived from the request's content and app, so
-- a request retried through another collector, or an insert a collector
-- retries after a timeout, is stored once, not merely read once (FINAL).
--
-- A Replicated table (cluster mode) deduplicates by default; a plain
-- MergeTree only when it keeps a window of recent block hashes. The window
-- counts inserts into the table: a retry is recognised while fewer than
-- 10,000 other inserts have reached that table since the first attempt.
-- The rollups keep one too: ClickHouse pushes a deduplicated block to the
-- materialized views all the same, and their target tables drop it only
-- with a window of their own.

ALTER TABLE executions MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE steps MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE pipeline_stats_1m MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE step_stats_1h MODIFY SETTING non_replicated_deduplication_window = 10000;
