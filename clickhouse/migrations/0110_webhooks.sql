-- Alert webhooks (collector/src/webhooks/). An app registers endpoints with
-- conditions; the collector delivers signed JSON events to them.
--
-- `webhooks`: one row per endpoint, a change (or a deletion) inserts a new
-- version. `sealed_secret` is the endpoint's signing secret encrypted under
-- the master key and bound to its app and id (auth/secret-box.ts), like the
-- apps' signing secrets: a dump of this table reveals no secret.
-- `conditions` is the JSON array the API validated (webhook-schemas.ts).
CREATE TABLE IF NOT EXISTS webhooks
(
    app_id         String,
    webhook_id     String,
    url            String,
    description    String,
    conditions     String,
    secret_prefix  String,
    sealed_secret  String,
    enabled        UInt8,
    deleted        UInt8 DEFAULT 0,
    created_at     DateTime64(3, 'UTC'),
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (app_id, webhook_id);

-- `webhook_deliveries`: one row per event and endpoint, its state replaced by
-- a new version after every attempt (pending -> delivered | failed), so a
-- restarted collector resumes what is still pending. `event_id` is stable
-- for the event (receivers deduplicate on it); the body is fixed when the
-- event is created, so every attempt sends the same bytes. A threshold
-- alert's events carry `condition_key` (the condition's hash), so whether it
-- is firing is read back from its last event after a restart. A pending row
-- long overdue (its collector is gone) is adopted by any collector. Kept 30
-- days after creation.
CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    app_id             String,
    webhook_id         String,
    event_id           String,
    event_type         LowCardinality(String),
    pipeline           String,
    condition_key      String,
    execution_ids      Array(String),
    body               String CODEC(ZSTD(3)),
    status             LowCardinality(String),
    attempts           UInt32,
    next_attempt_at    DateTime64(3, 'UTC'),
    last_attempt_at    DateTime64(3, 'UTC'),
    last_status_code   UInt16,
    last_error         String,
    created_at         DateTime64(3, 'UTC'),
    delivered_at       DateTime64(3, 'UTC'),
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (app_id, webhook_id, event_id)
TTL toDateTime(created_at) + INTERVAL 30 DAY
SETTINGS ttl_only_drop_parts = 1;
