-- Browser origins allowed to send spans to /v1/traces, per app (the CORS
-- allow-list). No row means no browser origin is allowed, which is the
-- default. Replacing the list inserts a new version (ReplacingMergeTree keeps
-- the newest), so a PUT never needs an UPDATE.

CREATE TABLE IF NOT EXISTS app_cors_origins
(
    app_id     String,
    origins    Array(String),
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY app_id;
