-- Scoped API keys: each key may `ingest` (POST /v1/traces), `read` (the
-- query API under /api/v1), or both. Keys issued before this migration keep
-- both, which is what they could do until now.
ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS scopes Array(LowCardinality(String)) DEFAULT ['ingest', 'read'];
