/**
 * The embedded backend: ClickHouse running inside this process through chDB,
 * with its data in a local folder. Only the async API is used, so queries run
 * on libuv's threads and never block the event loop.
 *
 * chDB binds one data directory per process; opening a second one closes the
 * first, so a process must create at most one of these.
 */
import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import { ClickHouseError, deduplicationSettings, parseClickHouseCode } from './backend.js';
import type { ClickHouseBackend, InsertOptions, QueryOptions, QueryParams } from './backend.js';
import { ENCODED_ROWS_FORMAT, toJsonCompactEachRow } from './row-encoding.js';

export { toJsonCompactEachRow } from './row-encoding.js';

export interface EmbeddedBackendOptions {
  /** Folder holding the engine's data; created if missing. */
  dataDir: string;
}

function toClickHouseError(error: unknown): ClickHouseError {
  if (error instanceof ClickHouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { clickhouseCode?: number }).clickhouseCode ?? parseClickHouseCode(message);
  return new ClickHouseError(message, code, { cause: error });
}

/** Converts bigint parameters, which chDB's binder does not take, to decimal strings. */
function toBindable(params: QueryParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = typeof value === 'bigint' ? value.toString() : value;
  return out;
}

/** Parses JSONEachRow text, at most `maxRows` lines of it. */
function parseRows<T>(body: string, maxRows: number): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < body.length && rows.length < maxRows) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    if (end > start) rows.push(JSON.parse(body.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

/** How long close() waits for statements still running before it closes the session anyway. */
const CLOSE_GRACE_MILLIS = 15_000;

export function createEmbeddedBackend(options: EmbeddedBackendOptions): ClickHouseBackend {
  mkdirSync(options.dataDir, { recursive: true });
  const session = new Session(options.dataDir);
  // Statements running on the engine's threads. Closing the session under one
  // of them can leave it waiting forever (a shutdown that never ends), so
  // close() lets them finish first, and nothing new starts once it is called.
  const running = new Set<Promise<unknown>>();
  let closed = false;
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new ClickHouseError('the embedded ClickHouse session is closed (the collector is shutting down)', undefined));
    const promise = work();
    running.add(promise);
    const forget = () => running.delete(promise);
    promise.then(forget, forget);
    return promise;
  };
  return {
    kind: 'embedded',
    query<T>(sql: string, params?: QueryParams, queryOptions?: QueryOptions): Promise<T[]> {
      return track(() => runQuery<T>(sql, params, queryOptions));
    },
    command(sql: string, params?: QueryParams): Promise<void> {
      return track(() => runCommand(sql, params));
    },
    encodedRowsFormat: ENCODED_ROWS_FORMAT,
    insert(table: string, rows: readonly object[], insertOptions?: InsertOptions): Promise<void> {
      return track(() => runInsert(table, rows, insertOptions));
    },
    async ping(): Promise<boolean> {
      try {
        await track(() => session.queryAsync('SELECT 1'));
        return true;
      } catch {
        return false;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MILLIS)));
      await Promise.race([Promise.allSettled([...running]), grace]);
      clearTimeout(timer);
      session.close();
    },
  };

  async function runQuery<T>(sql: string, params?: QueryParams, queryOptions?: QueryOptions): Promise<T[]> {
    if (queryOptions?.settings) {
      // chDB has one connection per process, shared with the ingest path,
      // and no per-query settings channel: refusing is safer than splicing.
      throw new Error('The embedded backend takes no per-query settings; append a proven SETTINGS clause instead');
    }
    // Same data directory, so the same engine: a second connection, not a second database.
    const connection = queryOptions?.isolated ? new Session(options.dataDir) : session;
    try {
      const result = params && Object.keys(params).length > 0
        ? await connection.queryBindAsync(sql, toBindable(params), { format: 'JSONEachRow' })
        : await connection.queryAsync(sql, { format: 'JSONEachRow' });
      return parseRows<T>(result.text(), queryOptions?.maxRows ?? Infinity);
    } catch (error) {
      throw toClickHouseError(error);
    } finally {
      if (connection !== session) connection.close();
    }
  }

  async function runCommand(sql: string, params?: QueryParams): Promise<void> {
    try {
      if (params && Object.keys(params).length > 0) await session.queryBindAsync(sql, toBindable(params));
      else await session.queryAsync(sql);
    } catch (error) {
      throw toClickHouseError(error);
    }
  }

  async function runInsert(table: string, rows: readonly object[], insertOptions?: InsertOptions): Promise<void> {
    const encoded = insertOptions?.encoded ?? [];
    if (rows.length === 0 && encoded.length === 0) return;
    const token = insertOptions?.deduplicationToken;
    const settings = token === undefined ? undefined : deduplicationSettings(token);
    // Rows encoded by a decode worker and rows given as objects go in one insert, under one column list.
    const columns = encoded.length > 0 ? encoded[0].columns : Object.keys(rows[0]);
    const payloads: Uint8Array[] = [];
    for (const part of encoded) {
      if (part.columns.length !== columns.length || part.columns.some((column, i) => column !== columns[i])) {
        throw new Error(`encoded rows of one insert must have the same columns: expected ${columns.join(', ')}, got ${part.columns.join(', ')}`);
      }
      payloads.push(part.payload);
    }
    if (rows.length > 0) payloads.push(toJsonCompactEachRow(rows, columns).payload);
    const payload = payloads.length === 1 ? Buffer.from(payloads[0].buffer, payloads[0].byteOffset, payloads[0].byteLength) : Buffer.concat(payloads);
    try {
      // Settings travel beside the payload (chDB's raw insert takes them), never in SQL text.
      await session.insert({ table, values: payload, format: 'JSONCompactEachRow', columns, settings });
    } catch (error) {
      throw toClickHouseError(error);
    }
  }
}
