-- Business-key lookup ("why was applicant A-1042 rejected?"): every
-- attribute of a row, and every top-level key of an execution's metadata, as
-- `key=value` strings in one array with a bloom-filter skip index, so
-- `has(business_keys, 'applicantId=A-1042')` reads only the granules that
-- may hold it instead of scanning the app's rows.
--
-- MATERIALIZED: computed by ClickHouse at insert from the columns already
-- sent, so ingest is unchanged. Parts written before this migration compute
-- it on read (correct, not indexed) until they are merged or materialized.
-- Metadata values that are JSON strings are unquoted; numbers, booleans and
-- nested values keep their JSON text (`score=712`, `vip=true`).

ALTER TABLE executions
    ADD COLUMN IF NOT EXISTS business_keys Array(String) MATERIALIZED arrayConcat(
        arrayMap((k, v) -> concat(k, '=', v), mapKeys(attributes), mapValues(attributes)),
        arrayMap(kv -> concat(kv.1, '=', if(startsWith(kv.2, '"'), JSONExtractString(kv.2), kv.2)), JSONExtractKeysAndValuesRaw(metadata))
    );

ALTER TABLE executions ADD INDEX IF NOT EXISTS business_keys_bf business_keys TYPE bloom_filter(0.01) GRANULARITY 1;

ALTER TABLE steps
    ADD COLUMN IF NOT EXISTS business_keys Array(String) MATERIALIZED
        arrayMap((k, v) -> concat(k, '=', v), mapKeys(attributes), mapValues(attributes));

ALTER TABLE steps ADD INDEX IF NOT EXISTS business_keys_bf business_keys TYPE bloom_filter(0.01) GRANULARITY 1;
