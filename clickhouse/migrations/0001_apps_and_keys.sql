-- Applications (tenants) and their API keys.
-- Keys are stored only as the hex SHA-256 of the full key: keys are 256-bit
-- random strings, so a fast hash is enough and a stolen table reveals no key.
-- ReplacingMergeTree keeps the newest version of a row, so revoking a key is
-- an INSERT of a new version (ClickHouse has no cheap UPDATE).

CREATE TABLE IF NOT EXISTS apps
(
    app_id     String,
    name       String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY app_id;

CREATE TABLE IF NOT EXISTS api_keys
(
    key_hash   String,
    key_prefix String,
    app_id     String,
    name       String,
    created_at DateTime64(3, 'UTC') DEFAULT now64(3),
    revoked    UInt8 DEFAULT 0,
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_hash;
