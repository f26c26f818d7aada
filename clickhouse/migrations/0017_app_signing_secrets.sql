-- Signing secrets for signed /v1/traces requests (HMAC-SHA256). The
-- collector needs each secret in clear to verify a signature, so it cannot
-- store a hash as it does for API keys: `sealed` is the secret encrypted with
-- AES-256-GCM under the collector's master key (XRAY_SECRET_KEY or
-- XRAY_DATA_DIR/secret.key), bound to its app and prefix, so a dump of this
-- table alone reveals no secret and a row copied to another app does not open.
-- An app has at most two active secrets (rotation); revoking inserts a new version.
CREATE TABLE IF NOT EXISTS app_signing_secrets
(
    app_id         String,
    secret_prefix  String,
    sealed         String,
    created_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    revoked        UInt8 DEFAULT 0,
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (app_id, secret_prefix);
