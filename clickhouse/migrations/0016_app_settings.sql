-- Per-app security settings: whether /v1/traces requires signed requests,
-- and the app's rate limits (NULL = the collector's defaults, so changing
-- XRAY_RATE_LIMIT_RPS/BURST moves every app that was never configured).
-- One row per app; a change inserts a new version (ReplacingMergeTree).
CREATE TABLE IF NOT EXISTS app_settings
(
    app_id                String,
    signature_required    UInt8 DEFAULT 0,
    rate_limit_rps        Nullable(Float64),
    rate_limit_burst      Nullable(UInt32),
    key_rate_limit_rps    Nullable(Float64),
    key_rate_limit_burst  Nullable(UInt32),
    updated_at            DateTime64(3, 'UTC') DEFAULT now64(3),
    version               UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY app_id;
