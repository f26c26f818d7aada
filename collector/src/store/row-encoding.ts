/**
 * Rows (objects keyed by column name, as contracts/rows.ts describes them)
 * encoded for the embedded engine's insert: JSONCompactEachRow, one JSON
 * array per row under one column list. The decode workers encode a large
 * request's steps with it, so the main thread only concatenates bytes; the
 * payloads of several requests with the same columns concatenate into one
 * insert.
 *
 * Why this format: of what chDB's insert accepts it measured fastest for
 * X-Ray's rows (~1.5x JSONEachRow, encoding plus parsing; faster to encode
 * than TabSeparated). RowBinary through the addon's raw entry is faster still
 * on data that happens to avoid one byte pair, but a payload holding two
 * consecutive newline bytes (a reasoning text with a blank line, or an
 * integer such as 2570 = 0x0a0a) is cut short there and refused (chdb 3.4.0;
 * bench/README.md, `ingest`), so it cannot carry arbitrary rows.
 *
 * Pure: no I/O and no chDB import (it runs in worker threads, where the
 * engine must never be loaded).
 */
import type { EncodedRows } from '../contracts/rows.js';

/** The format `EncodedRows` payloads are in. */
export const ENCODED_ROWS_FORMAT = 'JSONCompactEachRow';

/**
 * Rows as JSONCompactEachRow under `columns` (the first row's keys when
 * omitted). The store's rows are built by one function per table, so they
 * share a shape; a row of another shape is refused rather than misplaced.
 *
 * @example
 * toJsonCompactEachRow([{ a: 1, b: 'x' }]); // { columns: ['a', 'b'], payload: <[1,"x"]\n> }
 */
export function toJsonCompactEachRow(rows: readonly object[], columns?: readonly string[]): { columns: string[]; payload: Buffer } {
  if (rows.length === 0) return { columns: [...(columns ?? [])], payload: Buffer.alloc(0) };
  const names = columns ? [...columns] : Object.keys(rows[0]);
  // One values array reused for every row and one JSON.stringify per row; the
  // shape check counts keys instead of listing them (Object.keys per row was
  // a tenth of the encoding: bench/README.md, `ingest`).
  const values: unknown[] = new Array(names.length);
  let payload = '';
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    let keys = 0;
    for (const _ in record) keys += 1;
    if (keys !== names.length) throw shapeError(names, record);
    for (let i = 0; i < names.length; i++) {
      const value = record[names[i]];
      if (value === undefined && !(names[i] in record)) throw shapeError(names, record);
      values[i] = value;
    }
    payload += JSON.stringify(values) + '\n';
  }
  return { columns: names, payload: Buffer.from(payload) };
}

function shapeError(names: readonly string[], record: object): Error {
  return new Error(`rows of one insert must have the same columns: expected ${names.join(', ')}, got ${Object.keys(record).join(', ')}`);
}

/**
 * One request's rows of a table, encoded for `InsertOptions.encoded`: the
 * payload, its columns, the row count, the partition days and the
 * executions the rows belong to. Undefined for no rows.
 *
 * @example
 * const encoded = encodeRows(rows.steps); // { columns, payload, rows, days } | undefined
 */
export function encodeRows(rows: readonly object[]): EncodedRows | undefined {
  if (rows.length === 0) return undefined;
  const { columns, payload } = toJsonCompactEachRow(rows);
  const days = new Set<string>();
  const executions = new Map<string, [string, string]>();
  for (const row of rows) {
    const { start_time: start, app_id: appId, execution_id: executionId } = row as { start_time?: unknown; app_id?: unknown; execution_id?: unknown };
    days.add(typeof start === 'string' ? start.slice(0, 10) : '');
    const pair: [string, string] = [String(appId ?? ''), String(executionId ?? '')];
    executions.set(`${pair[0]}\u0000${pair[1]}`, pair);
  }
  return { columns, payload, rows: rows.length, days: [...days], executions: [...executions.values()] };
}
