-- Per-app retention: an app may keep its raw executions, steps and scores for
-- fewer days than the collector's XRAY_RETENTION_DAYS (the tables' TTL).
-- `days = 0` means "the global retention" (a reset inserts that version).
-- One row per app; a change inserts a new version (ReplacingMergeTree).
CREATE TABLE IF NOT EXISTS app_retention
(
    app_id      String,
    days        UInt32,
    updated_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY app_id;
