/**
 * The embedded backend: ClickHouse running inside this process through chDB,
 * with its data in a local folder. Only the async API is used, so queries run
 * on libuv's threads and never block the event loop.
 *
 * chDB binds one data directory per process; opening a second one closes the
 * first, so a process must create at most one of these.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Session } from 'chdb';
import { ClickHouseError, deduplicationSettings, parseClickHouseCode } from './backend.js';
import type { ClickHouseBackend, InsertOptions, QueryOptions, QueryParams } from './backend.js';
import { createRowBinaryEncoder, insertSchemaOf, RowEncodingError } from './row-binary.js';
import type { ColumnType, RowBinaryEncoder } from './row-binary.js';

/**
 * chDB's raw insert entry, below `Session.insert`: the package's own
 * `insert` whitelists text formats, while the native entry it calls takes
 * any payload, RowBinary included (measured 1.2-1.3x JSONEachRow's
 * throughput, bench/README.md `ingest`). The statement prefix is built by
 * the package's own builder (identifiers validated, setting values quoted),
 * so only the format name after it is ours.
 */
interface ChdbInternals {
  native: { InsertRawAsyncConnection(connection: unknown, prefix: string, payload: Buffer, countLines: boolean): Promise<unknown> };
  buildRawInsertPrefix(params: { table: string; columns?: readonly string[]; settings?: Record<string, string | number>; format: string }): { prefix: string };
}

function loadChdbInternals(): ChdbInternals {
  const fromChdb = createRequire(createRequire(import.meta.url).resolve('chdb'));
  return {
    native: fromChdb('./dist/loader.js').loadNative(),
    buildRawInsertPrefix: fromChdb('./dist/rawInsert.js').buildRawInsertPrefix,
  };
}

/** `INSERT INTO table (columns) [SETTINGS ...] FORMAT RowBinary`, through chDB's own prefix builder. */
function rowBinaryPrefix(internals: ChdbInternals, table: string, columns: readonly string[], settings: Record<string, string | number> | undefined): string {
  const { prefix } = internals.buildRawInsertPrefix({ table, columns, settings, format: 'TabSeparated' });
  if (!prefix.endsWith(' FORMAT TabSeparated')) throw new Error(`unexpected chDB insert prefix: ${prefix}`);
  return `${prefix.slice(0, -' FORMAT TabSeparated'.length)} FORMAT RowBinary`;
}

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

/**
 * Rows as JSONCompactEachRow: one JSON array per row under the first row's
 * column list (the store's rows are built by one function per table, so they
 * share a shape; a row of another shape is refused rather than misplaced).
 * The fallback for a table RowBinary cannot encode (a column type
 * row-binary.ts does not know): of the text formats chDB's insert takes, this
 * one measured fastest for X-Ray's rows (~1.5x JSONEachRow).
 *
 * @example
 * toJsonCompactEachRow([{ a: 1, b: 'x' }]); // { columns: ['a', 'b'], payload: <[1,"x"]\n> }
 */
export function toJsonCompactEachRow(rows: readonly object[]): { columns: string[]; payload: Buffer } {
  if (rows.length === 0) return { columns: [], payload: Buffer.alloc(0) };
  const columns = Object.keys(rows[0]);
  let payload = '';
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    if (Object.keys(record).length !== columns.length || !columns.every((column) => column in record)) {
      throw new Error(`rows of one insert must have the same columns: expected ${columns.join(', ')}, got ${Object.keys(record).join(', ')}`);
    }
    payload += JSON.stringify(columns.map((column) => record[column])) + '\n';
  }
  return { columns, payload: Buffer.from(payload) };
}

export function createEmbeddedBackend(options: EmbeddedBackendOptions): ClickHouseBackend {
  mkdirSync(options.dataDir, { recursive: true });
  const session = new Session(options.dataDir);
  const internals = loadChdbInternals();
  const columnsByTable = new Map<string, Promise<ColumnType[]>>();
  const encoders = new Map<string, RowBinaryEncoder | undefined>();

  /** The table's columns, read once (the schema changes only through the migrations run at start-up). */
  function tableColumns(table: string): Promise<ColumnType[]> {
    let columns = columnsByTable.get(table);
    if (!columns) {
      columns = session
        .queryBindAsync(
          'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
          { table },
          { format: 'JSONEachRow' },
        )
        .then((result) => parseRows<ColumnType>(result.text(), Infinity));
      columns.catch(() => columnsByTable.delete(table));
      columnsByTable.set(table, columns);
    }
    return columns;
  }

  /** A RowBinary encoder for rows with these columns, or undefined when the table cannot take them so. */
  async function encoderFor(table: string, columns: readonly string[]): Promise<RowBinaryEncoder | undefined> {
    const key = `${table}\0${columns.join(',')}`;
    if (!encoders.has(key)) {
      const schema = insertSchemaOf(table, columns, await tableColumns(table));
      encoders.set(key, schema && createRowBinaryEncoder(schema));
    }
    return encoders.get(key);
  }

  return {
    kind: 'embedded',
    async query<T>(sql: string, params?: QueryParams, queryOptions?: QueryOptions): Promise<T[]> {
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
    },
    async command(sql: string, params?: QueryParams): Promise<void> {
      try {
        if (params && Object.keys(params).length > 0) await session.queryBindAsync(sql, toBindable(params));
        else await session.queryAsync(sql);
      } catch (error) {
        throw toClickHouseError(error);
      }
    },
    tableColumns,
    async insert(table: string, rows: readonly object[], insertOptions?: InsertOptions): Promise<void> {
      const encoded = insertOptions?.encoded ?? [];
      if (rows.length === 0 && encoded.length === 0) return;
      const token = insertOptions?.deduplicationToken;
      const settings = token === undefined ? undefined : deduplicationSettings(token);
      const columns = encoded.length > 0 ? encoded[0].columns : Object.keys(rows[0]);
      const encoder = await encoderFor(table, columns);
      if (encoder) {
        const payloads: Uint8Array[] = [];
        for (const part of encoded) {
          if (part.columns.length !== columns.length || part.columns.some((column, i) => column !== columns[i])) {
            throw new Error(`encoded rows of one insert must have the same columns: expected ${columns.join(', ')}, got ${part.columns.join(', ')}`);
          }
          payloads.push(part.payload);
        }
        if (rows.length > 0) {
          try {
            payloads.push(encoder(rows));
          } catch (error) {
            // What ClickHouse answers for such a row in a text format: a data error, so only its request fails.
            if (error instanceof RowEncodingError) throw new ClickHouseError(`Code: 117. DB::Exception: ${error.message}. (INCORRECT_DATA)`, 117, { cause: error });
            throw error;
          }
        }
        const payload = payloads.length === 1 ? Buffer.from(payloads[0].buffer, payloads[0].byteOffset, payloads[0].byteLength) : Buffer.concat(payloads);
        try {
          await internals.native.InsertRawAsyncConnection(session.connection, rowBinaryPrefix(internals, table, columns, settings), payload, false);
        } catch (error) {
          throw toClickHouseError(error);
        }
        return;
      }
      if (encoded.length > 0) throw new Error(`table ${table} cannot take RowBinary rows with columns ${columns.join(', ')}`);
      const { payload } = toJsonCompactEachRow(rows);
      try {
        // Settings travel beside the payload (chDB's raw insert takes them), never in SQL text.
        await session.insert({
          table,
          values: payload,
          format: 'JSONCompactEachRow',
          columns,
          settings,
        });
      } catch (error) {
        throw toClickHouseError(error);
      }
    },
    async ping(): Promise<boolean> {
      try {
        await session.queryAsync('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    async close(): Promise<void> {
      session.close();
    },
  };
}
