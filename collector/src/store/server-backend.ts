/**
 * The server backend: a ClickHouse server reached over HTTP with the official
 * @clickhouse/client. Selected when CLICKHOUSE_URL is set.
 */
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ClickHouseError, parseClickHouseCode } from './backend.js';
import type { ClickHouseBackend, QueryOptions, QueryParams } from './backend.js';

export interface ServerBackendOptions {
  url: string;
  username: string;
  password: string;
  database: string;
  requestTimeoutMillis: number;
}

function toClickHouseError(error: unknown): ClickHouseError {
  if (error instanceof ClickHouseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const raw = (error as { code?: string | number }).code;
  const code = raw !== undefined && /^\d+$/.test(String(raw)) ? Number(raw) : parseClickHouseCode(message);
  return new ClickHouseError(message, code, { cause: error });
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
    },
  });

  return {
    kind: 'server',
    async query<T>(sql: string, params?: QueryParams, queryOptions?: QueryOptions): Promise<T[]> {
      try {
        const result = await client.query({
          query: sql,
          query_params: params as Record<string, unknown> | undefined,
          format: 'JSONEachRow',
          clickhouse_settings: queryOptions?.readonly ? { readonly: '1' } : undefined,
        });
        return await result.json<T>();
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
    async insert(table: string, rows: readonly object[]): Promise<void> {
      if (rows.length === 0) return;
      try {
        await client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow' });
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
