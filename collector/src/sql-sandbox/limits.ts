/**
 * The limits every admin SQL statement runs under, as ClickHouse settings,
 * so the engine itself stops a statement that would read, return, hold or
 * take too much: rows returned (`break`: the reply is cut and says so),
 * time, memory and threads. `readonly = 1` refuses any write, DDL or
 * setting change, and no statement can raise it back.
 */
import type { ClickHouseSettings } from '../store/index.js';

export interface SqlLimits {
  /** Most rows a reply carries; more are cut and the reply says `truncated`. */
  maxRows: number;
  /** Longest a statement runs before ClickHouse stops it with an error. */
  maxExecutionSeconds: number;
  /** Most memory one statement may hold. */
  maxMemoryBytes: number;
  /** Most threads one statement may use, so ingest keeps the rest. */
  maxThreads: number;
  /** Statements running at once; more are answered 429. */
  maxConcurrent: number;
}

export const DEFAULT_SQL_LIMITS: SqlLimits = {
  maxRows: 10_000,
  maxExecutionSeconds: 30,
  maxMemoryBytes: 1024 * 1024 * 1024,
  maxThreads: 2,
  maxConcurrent: 2,
};

/**
 * The settings a sandboxed statement runs with. `readonly` comes last: where
 * settings are applied one by one, the limits are set before read-only locks
 * them.
 *
 * @example
 * sandboxSettings(DEFAULT_SQL_LIMITS) // { max_result_rows: 10001, result_overflow_mode: 'break', …, readonly: 1 }
 */
export function sandboxSettings(limits: SqlLimits): ClickHouseSettings {
  return {
    // One past the cap: a cut reply then always holds more than maxRows rows.
    max_result_rows: limits.maxRows + 1,
    result_overflow_mode: 'break',
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    max_threads: limits.maxThreads,
    readonly: 1,
  };
}

/**
 * A `SETTINGS a = 1, b = 'x'` clause. Names are fixed identifiers from
 * sandboxSettings(); values are numbers or fixed words, quoted as literals.
 */
export function settingsClause(settings: ClickHouseSettings): string {
  const parts = Object.entries(settings).map(([name, value]) => {
    if (!/^[a-z_]+$/.test(name)) throw new Error(`unexpected setting name ${name}`);
    const literal = typeof value === 'number' ? String(Math.trunc(value)) : `'${String(value).replace(/[\\']/g, '\\$&')}'`;
    return `${name} = ${literal}`;
  });
  return `SETTINGS ${parts.join(', ')}`;
}
