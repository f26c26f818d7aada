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
  let payload = '';
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    if (Object.keys(record).length !== names.length || !names.every((column) => column in record)) {
      throw new Error(`rows of one insert must have the same columns: expected ${names.join(', ')}, got ${Object.keys(record).join(', ')}`);
    }
    payload += JSON.stringify(names.map((column) => record[column])) + '\n';
  }
  return { columns: names, payload: Buffer.from(payload) };
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
