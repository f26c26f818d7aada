-- Step search through two `text` indexes instead of migration 0100's four
-- (issue 10 item 4, issue 11 item 2): one over the words that explain a
-- decision (reasoning and error message), one over its payloads (input and
-- output). The search is the same (collector/src/store/step-search.ts:
-- prefixes in reasoning and error messages, whole words in input and output,
-- phrases within one field, checked per field on the granules an index
-- leaves), but a search reads two dictionaries per part instead of four, and
-- an insert builds two indexes. bench/README.md ("Search indexes: insert cost")
-- has the before/after figures.
--
-- The expressions must stay exactly those of step-search.ts
-- (EXPLANATION_WORDS, PAYLOAD_WORDS): ClickHouse uses an index only for a
-- condition on the very same expression. The space keeps the last word of
-- one field and the first of the next apart.
--
-- Parts written before this migration get the new indexes from the
-- MATERIALIZE mutations below (in the background); until then a search reads
-- them whole (correct, slower).

ALTER TABLE steps ADD INDEX IF NOT EXISTS explanation_words lower(concat(reasoning, ' ', error_message)) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps ADD INDEX IF NOT EXISTS payload_words lower(concat(input, ' ', output)) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps DROP INDEX IF EXISTS reasoning_words;

ALTER TABLE steps DROP INDEX IF EXISTS error_message_words;

ALTER TABLE steps DROP INDEX IF EXISTS input_words;

ALTER TABLE steps DROP INDEX IF EXISTS output_words;

ALTER TABLE steps MATERIALIZE INDEX explanation_words;

ALTER TABLE steps MATERIALIZE INDEX payload_words;
