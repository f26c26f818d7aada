/**
 * The one interface the store speaks to ClickHouse through. Two
 * implementations sit behind it: the embedded engine (chDB, in-process) and a
 * ClickHouse server over HTTP (@clickhouse/client). Both run the same SQL with
 * server-side parameter binding (`{name:Type}` placeholders), so no value is
 * ever spliced into SQL text.
 */
import type { EncodedRows } from '../contracts/rows.js';

/** Values for `{name:Type}` placeholders. */
export type QueryParams = Record<string, string | number | boolean | bigint | readonly (string | number)[]>;

/** Per-query ClickHouse settings, e.g. `{ readonly: 1, max_result_rows: 10000 }`. */
export type ClickHouseSettings = Record<string, string | number>;

export interface QueryOptions {
  /**
   * Per-query settings sent outside the SQL text, where the query cannot undo
   * them (the server backend's `clickhouse_settings`). The embedded backend
   * refuses them: chDB takes no settings outside the SQL text, so a caller
   * there must prove the statement and append a SETTINGS clause itself (see
   * sql-sandbox/).
   */
  settings?: ClickHouseSettings;
  /** Read at most this many rows of the reply, then stop reading it (the server backend streams). */
  maxRows?: number;
  /**
   * Send the text exactly as given, with the output format chosen by the
   * `default_format` setting rather than an appended `FORMAT` clause (which
   * ClickHouse would bind to the inner SELECT of an EXPLAIN). chDB never
   * appends one, so only the server backend changes behaviour.
   */
  verbatim?: boolean;
  /**
   * Run on a connection of its own. chDB runs one query at a time per
   * connection, so a long statement on the shared one would queue every
   * ingest insert behind it. (Server requests are independent already.)
   */
  isolated?: boolean;
}

export interface InsertOptions {
  /**
   * ClickHouse's `insert_deduplication_token`: an insert whose token the
   * table has already seen (within its deduplication window) stores nothing,
   * and neither do the materialized views fed by it. Derived from what the
   * rows came from, so a retried request, through any collector, is stored
   * once (clickhouse/migrations/0080_insert_deduplication.sql).
   */
  deduplicationToken?: string;
  /**
   * Rows already encoded (store/row-encoding.ts), written in the same INSERT
   * as `rows`. Only for a backend with `encodedRowsFormat`.
   */
  encoded?: readonly EncodedRows[];
}

export interface ClickHouseBackend {
  /** `embedded` (chDB) or `server` (@clickhouse/client). */
  readonly kind: 'embedded' | 'server';
  /** Runs a SELECT and returns its rows (JSONEachRow; 64-bit integers come back as numbers, so select full-precision values with toString()). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]>;
  /** Runs a statement that returns no rows (DDL, INSERT ... SELECT). */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** Inserts rows (objects keyed by column name) in one INSERT. */
  insert(table: string, rows: readonly object[], options?: InsertOptions): Promise<void>;
  /** The format of rows this backend takes already encoded (`InsertOptions.encoded`); absent when it takes objects only. */
  readonly encodedRowsFormat?: string;
  /** Times an embedded engine's allocator returned its freed pages over the soft memory limit (absent for a server). */
  readonly allocatorPurges?: number;
  /** True when the engine answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The settings that make an insert idempotent under `token`: deduplicated
 * in the table and in the views' target tables (which ClickHouse otherwise
 * feeds with the duplicate block all the same).
 */
export function deduplicationSettings(token: string): Record<string, string | number> {
  return { insert_deduplication_token: token, insert_deduplicate: 1, deduplicate_blocks_in_dependent_materialized_views: 1 };
}

/** A failure reported by ClickHouse itself, with its numeric error code when known. */
export class ClickHouseError extends Error {
  readonly clickhouseCode: number | undefined;
  constructor(message: string, clickhouseCode: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClickHouseError';
    this.clickhouseCode = clickhouseCode;
  }
}

/** Reads the numeric ClickHouse code out of an error message such as `Code: 62. DB::Exception: ...`. */
export function parseClickHouseCode(message: string): number | undefined {
  const match = /Code: (\d+)\./.exec(message);
  return match ? Number(match[1]) : undefined;
}
