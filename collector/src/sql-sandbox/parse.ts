/**
 * Asks ClickHouse to parse admin SQL without running it. The text goes in as
 * a bound String parameter of `formatQuerySingleLine`, so it is data, never
 * SQL: the engine parses it as one statement (it refuses a second one,
 * comments are dropped) and prints the canonical form. Only that canonical
 * form is ever run; whatever trailed or hid in the original text is gone.
 *
 * The canonical form must be a fixed point (formatting it again gives it
 * back), so what was judged is what runs. Its quoted identifiers must hold
 * no control character or backslash: ClickHouse prints identifiers raw in
 * the `EXPLAIN AST` dump, and a newline inside one would print a line of its
 * own. Then `EXPLAIN AST <canonical>` (which parses, never executes) gives
 * the tree that policy.ts judges.
 */
import { ClickHouseError } from '../store/index.js';
import type { ClickHouseBackend, ClickHouseSettings } from '../store/index.js';
import type { AstLine } from './ast-dump.js';
import { AstDumpError, parseAstDump } from './ast-dump.js';

/** Why a statement was refused before it ran. */
export class SqlRejectedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlRejectedError';
  }
}

export interface ParsedStatement {
  /** ClickHouse's own single-line rendering of the statement: what runs. */
  canonical: string;
  nodes: AstLine[];
}

/** A quoted identifier holding a control character or a backslash (an escape). */
const UNPRINTABLE = '[\\x00-\\x1F\\x7F\\\\]';

const FORMAT_SQL = `SELECT
  formatQuerySingleLine({sql:String}) AS canonical,
  formatQuerySingleLine(canonical) = canonical AS stable,
  arrayExists(t -> t.type = 'QuotedIdentifier' AND match(substring(canonical, t.begin + 1, t.end - t.begin), {unprintable:String}), tokenizeQuery(canonical)) AS unprintable`;

/** The first line of a ClickHouse error, without the echo of our own wrapper query. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].replace(/\s*: In scope SELECT formatQuerySingleLine[\s\S]*$/, '').slice(0, 500);
}

/** Parses EXPLAIN AST text lines of `sql`. */
export async function explainAst(backend: ClickHouseBackend, sql: string, settings: ClickHouseSettings | undefined): Promise<AstLine[]> {
  const rows = await backend.query<{ explain: string }>(`EXPLAIN AST ${sql}`, undefined, { settings, verbatim: true });
  try {
    return parseAstDump(rows.map((row) => row.explain));
  } catch (error) {
    if (error instanceof AstDumpError) throw new SqlRejectedError(`The statement has an ambiguous shape: ${error.message}`);
    throw error;
  }
}

/**
 * Parses one statement with ClickHouse's parser, without running it.
 *
 * @param settings per-query settings for the parse queries (server backend), e.g. `{ readonly: 1 }`
 * @example
 * const { canonical, nodes } = await parseStatement(backend, 'select 1 -- hi', undefined);
 * // canonical === 'SELECT 1'
 */
export async function parseStatement(backend: ClickHouseBackend, sql: string, settings: ClickHouseSettings | undefined): Promise<ParsedStatement> {
  let formatted: { canonical: string; stable: number | boolean; unprintable: number | boolean } | undefined;
  try {
    [formatted] = await backend.query<{ canonical: string; stable: number; unprintable: number }>(
      FORMAT_SQL,
      { sql, unprintable: UNPRINTABLE },
      { settings },
    );
  } catch (error) {
    if (error instanceof ClickHouseError) throw new SqlRejectedError(`ClickHouse could not parse the statement: ${firstLine(error)}`, { cause: error });
    throw error;
  }
  if (!formatted || formatted.canonical.trim() === '') throw new SqlRejectedError('The statement is empty');
  if (!formatted.stable) throw new SqlRejectedError('The statement does not format to a stable canonical form');
  if (formatted.unprintable) throw new SqlRejectedError('Quoted identifiers may not hold control characters or backslashes');
  try {
    return { canonical: formatted.canonical, nodes: await explainAst(backend, formatted.canonical, settings) };
  } catch (error) {
    if (error instanceof ClickHouseError) throw new SqlRejectedError(`ClickHouse could not parse the statement: ${firstLine(error)}`, { cause: error });
    throw error;
  }
}
