/**
 * `xray sql`: rows of any shape as a table. Columns are the keys in the
 * order they first appear; numbers (ClickHouse sends 64-bit integers as JSON
 * strings) are right-aligned.
 */
import type { SqlResponse } from '../api-types.js';
import type { Colors } from './colors.js';
import { renderTable } from './table.js';
import type { Column } from './table.js';

export interface SqlResultOptions {
  colors: Colors;
  maxWidth?: number;
}

const NUMBER_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

function isNumeric(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && NUMBER_TEXT.test(value));
}

/** Right-align a column whose values are all numbers (NULLs aside), if it has any. */
function isNumericColumn(rows: Record<string, unknown>[], key: string): boolean {
  const present = rows.map((row) => row[key]).filter((value) => value !== null && value !== undefined);
  return present.length > 0 && present.every(isNumeric);
}

/**
 * @example
 * renderSqlResult({ rows: [{ n: '3' }], truncated: false }, { colors }); // 'n\n3\n\n1 row'
 */
export function renderSqlResult(result: SqlResponse, options: SqlResultOptions): string {
  const { colors } = options;
  const count = `${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'}`;
  const footer = result.truncated ? colors.yellow(`${count} (truncated: the collector returns at most this many; add a LIMIT or aggregate)`) : colors.dim(count);
  if (result.rows.length === 0) return footer;
  const keys: string[] = [];
  for (const row of result.rows) for (const key of Object.keys(row)) if (!keys.includes(key)) keys.push(key);
  const columns: Column<Record<string, unknown>>[] = keys.map((key) => ({
    header: key,
    value: (row) => cellText(row[key]),
    align: isNumericColumn(result.rows, key) ? 'right' : 'left',
    shrink: true,
    style: (text, row) => (row[key] === null || row[key] === undefined ? colors.dim(text) : text),
  }));
  return [renderTable(columns, result.rows, options), '', footer].join('\n');
}
