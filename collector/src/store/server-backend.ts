/**
 * The server backend: a ClickHouse server reached over HTTP with the official
 * @clickhouse/client. Selected when CLICKHOUSE_URL is set.
 */
import { StringDecoder } from 'node:string_decoder';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { ClickHouseSettings as ClickHouseClientSettings, ResultSet } from '@clickhouse/client';
import { ClickHouseError, deduplicationSettings, parseClickHouseCode } from './backend.js';
import type { ClickHouseBackend, InsertOptions, QueryOptions, QueryParams } from './backend.js';

export interface ServerBackendOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  requestTimeoutMillis: number;
  /**
   * Cluster mode: inserts go through Distributed tables, which by default
   * acknowledge before the shards have the rows. Foreground inserts make a
   * successful insert mean stored on the shard, so a 200 stays true.
   */
  cluster?: string;
}

function toClickHouseError(error: unknown): ClickHouseError {
  if (error instanceof ClickHouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const raw = (error as { code?: string | number }).code;
  const code = raw !== undefined && /^\d+$/.test(String(raw)) ? Number(raw) : parseClickHouseCode(message);
  return new ClickHouseError(message, code, { cause: error });
}

/** Reads rows off the reply stream until `maxRows`, then closes it so the rest is never read. */
async function readAtMost<T>(result: ResultSet<'JSONEachRow'>, maxRows: number): Promise<T[]> {
  const rows: T[] = [];
  if (maxRows <= 0) {
    result.close();
    return rows;
  }
  for await (const chunk of result.stream<T>()) {
    for (const row of chunk) {
      rows.push(row.json());
      if (rows.length >= maxRows) {
        result.close();
        return rows;
      }
    }
  }
  return rows;
}

export function createServerBackend(options: ServerBackendOptions): ClickHouseBackend {
  const client = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    database: options.database,
    request_timeout: options.requestTimeoutMillis,
    // Every failure is thrown to the caller, which reports it once (start-up as a short message, requests in the log).
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: {
      // chDB's default: 64-bit integers as JSON numbers. Both backends must
      // return identical rows; values that need all 64 bits (unix
      // nanoseconds) are selected with toString().
      output_format_json_quote_64bit_integers: 0,
      // Cluster mode: every table a query reads is Distributed, and ClickHouse
      // refuses an IN / JOIN whose subquery reads a Distributed table too
      // (distributed_product_mode = 'deny': a timeline's days from
      // execution_days, a business key's ids). 'global' runs such a subquery
      // once and sends its set to every shard: right whatever the subquery
      // reads, where 'local' would read one shard's part of a table sharded
      // by something else (ad-hoc SQL over a rollup).
      ...(options.cluster ? { distributed_product_mode: 'global' as const } : undefined),
    },
  });

  /** Runs the text as given (client.exec appends no FORMAT) and parses JSONEachRow off the stream, stopping at maxRows. */
  async function execRows<T>(sql: string, params: QueryParams | undefined, queryOptions: QueryOptions): Promise<T[]> {
    const { stream } = await client.exec({
      query: sql,
      query_params: params as Record<string, unknown> | undefined,
      clickhouse_settings: { ...(queryOptions.settings as ClickHouseClientSettings), default_format: 'JSONEachRow' },
    });
    const maxRows = queryOptions.maxRows ?? Infinity;
    const rows: T[] = [];
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const take = (line: string) => {
      if (line.trim() === '') return;
      // The server reports an error that happens after the first bytes inside the body.
      if (/^Code: \d+\./.test(line)) throw new ClickHouseError(line, parseClickHouseCode(line));
      rows.push(JSON.parse(line) as T);
    };
    try {
      for await (const chunk of stream) {
        pending += decoder.write(chunk as Buffer);
        let newline = pending.indexOf('\n');
        while (newline >= 0 && rows.length < maxRows) {
          take(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
        if (rows.length >= maxRows) return rows;
      }
      take(pending + decoder.end());
      return rows.slice(0, maxRows);
    } finally {
      stream.destroy();
    }
  }

  return {
    kind: 'server',
    async query<T>(sql: string, params?: QueryParams, queryOptions?: QueryOptions): Promise<T[]> {
      try {
        if (queryOptions?.verbatim) return await execRows<T>(sql, params, queryOptions);
        const result = await client.query({
          query: sql,
          query_params: params as Record<string, unknown> | undefined,
          format: 'JSONEachRow',
          clickhouse_settings: queryOptions?.settings as ClickHouseClientSettings | undefined,
        });
        const maxRows = queryOptions?.maxRows;
        if (maxRows === undefined) return await result.json<T>();
        return await readAtMost<T>(result, maxRows);
      } catch (error) {
        throw toClickHouseError(error);
      }
    },
    async command(sql: string, params?: QueryParams): Promise<void> {
      try {
        await client.command({ query: sql, query_params: params as Record<string, unknown> | undefined });
      } catch (error) {
        throw toClickHouseError(error);
      }
    },
    async insert(table: string, rows: readonly object[], insertOptions?: InsertOptions): Promise<void> {
      // No encodedRowsFormat here: the decode workers leave a server's rows as objects.
      if (insertOptions?.encoded?.length) throw new Error('The server backend takes rows as objects, not encoded');
      if (rows.length === 0) return;
      const token = insertOptions?.deduplicationToken;
      try {
        await client.insert({
          table,
          values: rows as Record<string, unknown>[],
          format: 'JSONEachRow',
          clickhouse_settings: {
            ...(options.cluster ? { distributed_foreground_insert: 1 } : undefined),
            // One request is one small insert: the server's async-insert
            // queue gathers many into one part (a part per request would
            // swamp the merges), waits for it before answering (so a 200
            // still means stored) and keeps each request's token.
            ...(token === undefined
              ? undefined
              : { ...deduplicationSettings(token), async_insert: 1, wait_for_async_insert: 1, async_insert_deduplicate: 1 }),
          },
        });
      } catch (error) {
        throw toClickHouseError(error);
      }
    },
    async ping(): Promise<boolean> {
      const result = await client.ping();
      return result.success;
    },
    async close(): Promise<void> {
      await client.close();
    },
  };
}
