-- Step search over everything that explains a decision (issue 11): words of
-- a step's reasoning, error message, input and output, through one `text`
-- index each. The indexes are on `lower(column)` (an expression, not a
-- preprocessor) because only then can ClickHouse answer
-- `lower(reasoning) LIKE '%thresh%'` by scanning the index's dictionary for
-- the words holding `thresh` (a word-prefix search that reads only the
-- granules of those words); `hasAnyTokens(lower(input), …)` is a dictionary
-- lookup. collector/src/store/step-search.ts builds the conditions.
--
-- reasoning_text (migration 0002, lower-cased by a preprocessor) is replaced
-- by reasoning_words: the same words, and the prefix search works with it.
-- Parts written before this migration get the new indexes from the
-- MATERIALIZE mutations below (in the background); until then a search reads
-- them whole (correct, slower).

ALTER TABLE steps ADD INDEX IF NOT EXISTS reasoning_words lower(reasoning) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps ADD INDEX IF NOT EXISTS error_message_words lower(error_message) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps ADD INDEX IF NOT EXISTS input_words lower(input) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps ADD INDEX IF NOT EXISTS output_words lower(output) TYPE text(tokenizer = splitByNonAlpha);

ALTER TABLE steps DROP INDEX IF EXISTS reasoning_text;

ALTER TABLE steps MATERIALIZE INDEX reasoning_words;

ALTER TABLE steps MATERIALIZE INDEX error_message_words;

ALTER TABLE steps MATERIALIZE INDEX input_words;

ALTER TABLE steps MATERIALIZE INDEX output_words;
