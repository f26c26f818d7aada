/**
 * Why an insert failed decides who hears about it. A ClickHouse error that
 * means "this data cannot be stored" (a value it cannot parse, a number out
 * of range) is the sender's fault and will fail again on every retry, so the
 * batcher isolates the request that carries it and answers it 400. Anything
 * else (the engine unreachable, a timeout, too many parts, memory) can pass
 * on a later attempt, so the whole batch answers 503 and the senders retry.
 */
import { ClickHouseError } from './backend.js';
import { RowEncodingError } from './row-encoding.js';

/**
 * ClickHouse error codes raised while parsing or converting the values of
 * an INSERT (names from `errorCodeToName`). Code 252 is not here: it also
 * means TOO_MANY_PARTS, an overload; the batcher never sends more than
 * `MAX_PARTITIONS_PER_INSERT` days per insert, so it cannot mean bad data.
 */
const DATA_ERROR_CODES: ReadonlySet<number> = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE (a lone UTF-16 surrogate)
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  128, // TOO_LARGE_ARRAY_SIZE
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  407, // DECIMAL_OVERFLOW
  467, // CANNOT_PARSE_BOOL
]);

/**
 * True when an insert was refused because of the values in it: by
 * ClickHouse, or by the encoding before it (a value the insert format
 * cannot carry).
 *
 * @example
 * isDataError(new ClickHouseError('Code: 41. DB::Exception: Cannot read DateTime', 41)); // true
 */
export function isDataError(error: unknown): boolean {
  if (error instanceof RowEncodingError) return true;
  return error instanceof ClickHouseError && error.clickhouseCode !== undefined && DATA_ERROR_CODES.has(error.clickhouseCode);
}

/** One request's rows that ClickHouse refuses to store; retrying cannot help (answer 400). */
export class UnstorableRowsError extends Error {
  constructor(cause: ClickHouseError | RowEncodingError) {
    super(`ClickHouse refused this request's rows: ${firstLine(cause.message)}`, { cause });
    this.name = 'UnstorableRowsError';
  }
}

/** ClickHouse messages run on over several lines (stack, "While executing ..."); the first says what was wrong. */
function firstLine(message: string): string {
  const line = message.split('\n', 1)[0];
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
