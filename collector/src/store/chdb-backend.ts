/**
 * The embedded backend: ClickHouse running inside this process through chDB,
 * with its data in a local folder. Only the async API is used, so queries run
 * on libuv's threads and never block the event loop.
 *
 * chDB binds one data directory per process; opening a second one closes the
 * first, so a process must create at most one of these.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { Session } from 'chdb';
import { ClickHouseError, deduplicationSettings, parseClickHouseCode } from './backend.js';
import type { ClickHouseBackend, InsertOptions, QueryOptions, QueryParams } from './backend.js';
import { createAllocatorRelief, PURGE_ENGINE_ALLOCATOR_SQL } from './engine-allocator.js';
import { ENCODED_ROWS_FORMAT, NATIVE_TABLES, toJsonCompactEachRow, toNativeBlock } from './row-encoding.js';
import { PLAIN_IDENTIFIER } from './sql.js';

export { toJsonCompactEachRow } from './row-encoding.js';

export interface EmbeddedBackendOptions {
  /** Folder holding the engine's data; created if missing. */
  dataDir: string;
  /**
   * Resident memory of the process, bytes, above which the engine's freed
   * pages go back to the OS after an insert (engine-allocator.ts); 0 or
   * omitted: never.
   */
  memorySoftLimitBytes?: number;
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

/**
 * Connections that run Native inserts. chDB runs one connection's statements
 * one at a time, so inserts get connections of their own and never queue
 * reads behind them; the batcher writes at most two tables in each of its two
 * lanes at once.
 */
const INSERT_CONNECTIONS = 4;

/** A ClickHouse string literal (the staging file's path, a deduplication token). */
function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A table or column name as the collector's own code spells them; anything else is refused, never quoted. */
function identifier(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/** The SETTINGS clause of an insert, from numbers and strings only. */
function settingsClause(settings: Record<string, string | number> | undefined): string {
  if (!settings) return '';
  const parts = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`not a setting name: ${name}`);
    return `${name} = ${typeof value === 'number' ? String(value) : quoteString(value)}`;
  });
  return ` SETTINGS ${parts.join(', ')}`;
}

/**
 * The INSERT of a staged file of Native blocks into `table` (`columns` in the
 * blocks' order), with the insert's settings, if any.
 *
 * @example
 * insertFromFileSql('steps', ['app_id', 'sequence'], '/data/insert-staging/1.native'); // "INSERT INTO steps (app_id, sequence) FROM INFILE '…' FORMAT Native"
 */
export function insertFromFileSql(table: string, columns: readonly string[], file: string, settings?: Record<string, string | number>): string {
  return `INSERT INTO ${identifier(table)} (${columns.map(identifier).join(', ')}) FROM INFILE ${quoteString(file)}${settingsClause(settings)} FORMAT Native`;
}

/**
 * Where Native payloads wait for their insert: a private folder (mode 0700)
 * inside the data folder, emptied on open. One process binds a data folder,
 * so nothing else uses it, and a crash leaves nothing behind for long. Each
 * file lives for one insert and is gone before the page cache writes it out.
 */
function openStagingDir(dataDir: string): string {
  const staging = resolvePath(dataDir, 'insert-staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  return staging;
}

/**
 * Writes a staged file from the blocks of one insert in one gathered write
 * (libuv writes them all, IOV_MAX at a time), so a batch is never copied
 * into one buffer first: at 6,000 steps that copy was ~6 MB of transient
 * memory per insert.
 */
async function writeStaged(file: string, payloads: readonly Uint8Array[]): Promise<number> {
  const handle = await open(file, 'wx', 0o600);
  try {
    const expected = payloads.reduce((sum, payload) => sum + payload.byteLength, 0);
    const { bytesWritten } = await handle.writev(payloads as Uint8Array[]);
    if (bytesWritten !== expected) throw new Error(`staged ${bytesWritten} of ${expected} bytes to ${file}`);
    return bytesWritten;
  } finally {
    await handle.close();
  }
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): ClickHouseBackend {
  mkdirSync(options.dataDir, { recursive: true });
  const session = new Session(options.dataDir);
  // Statements running on the engine's threads. Closing the session under one
  // of them can leave it waiting forever (a shutdown that never ends), so
  // close() lets them finish first, and nothing new starts once it is called.
  const running = new Set<Promise<unknown>>();
  let closed = false;
  const staging = openStagingDir(options.dataDir);
  let stagedFiles = 0;
  const relief = createAllocatorRelief({ softLimitBytes: options.memorySoftLimitBytes ?? 0 });
  // Insert connections: idle ones, how many are open, and inserts waiting for one.
  const idleConnections: Session[] = [];
  const insertConnections: Session[] = [];
  const waitingForConnection: ((connection: Session) => void)[] = [];
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
    get allocatorPurges() {
      return relief?.purges ?? 0;
    },
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
      for (const connection of insertConnections) connection.close();
      session.close();
      rmSync(staging, { recursive: true, force: true });
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
    // Encoded payloads are Native blocks; so are a table's own rows when it has a Native encoding for them.
    const types = NATIVE_TABLES[table];
    const native = encoded.length > 0 || (types !== undefined && columns.every((column) => Object.hasOwn(types, column)));
    if (rows.length > 0) payloads.push((native ? toNativeBlock(table, rows, columns) : toJsonCompactEachRow(rows, columns)).payload);
    if (native) {
      await insertNative(table, columns, payloads, settings);
      return;
    }
    const payload = payloads.length === 1 ? Buffer.from(payloads[0].buffer, payloads[0].byteOffset, payloads[0].byteLength) : Buffer.concat(payloads);
    try {
      // Settings travel beside the payload (chDB's raw insert takes them), never in SQL text.
      await session.insert({ table, values: payload, format: 'JSONCompactEachRow', columns, settings });
    } catch (error) {
      throw toClickHouseError(error);
    }
  }

  /**
   * One INSERT of Native blocks, handed over as a staged file: chDB's raw
   * insert entry cuts binary payloads at two consecutive newline bytes, a
   * file carries any bytes.
   */
  async function insertNative(table: string, columns: readonly string[], payloads: readonly Uint8Array[], settings: Record<string, string | number> | undefined): Promise<void> {
    const file = join(staging, `${(stagedFiles += 1)}.native`);
    const statement = insertFromFileSql(table, columns, file, settings);
    const bytes = await writeStaged(file, payloads);
    const connection = await acquireInsertConnection();
    try {
      await connection.queryAsync(statement);
    } catch (error) {
      throw toClickHouseError(error);
    } finally {
      afterInsert(connection, bytes);
      await rm(file, { force: true });
    }
  }

  /**
   * Hands the connection to the next insert, after returning the engine's
   * freed pages to the OS when the process is over its soft memory limit
   * (the purge runs on this connection, so no read waits behind it).
   */
  function afterInsert(connection: Session, bytes: number): void {
    if (closed || relief === undefined || !relief.due(bytes)) {
      releaseInsertConnection(connection);
      return;
    }
    const purge = connection.queryAsync(PURGE_ENGINE_ALLOCATOR_SQL).then(() => relief.purged(), () => relief.failed());
    running.add(purge);
    void purge.finally(() => {
      running.delete(purge);
      releaseInsertConnection(connection);
    });
  }

  function acquireInsertConnection(): Promise<Session> {
    const idle = idleConnections.pop();
    if (idle) return Promise.resolve(idle);
    if (insertConnections.length < INSERT_CONNECTIONS) {
      const connection = new Session(options.dataDir);
      insertConnections.push(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => waitingForConnection.push(resolve));
  }

  function releaseInsertConnection(connection: Session): void {
    const next = waitingForConnection.shift();
    if (next) next(connection);
    else idleConnections.push(connection);
  }
}
