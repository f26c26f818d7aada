/**
 * Runs admin SQL in a sandbox: parse (parse.ts), judge (policy.ts), then run
 * exactly the canonical statement under the limits (limits.ts), reading no
 * more rows of the reply than the cap.
 *
 * How the limits reach ClickHouse:
 *  - server backend: as per-query settings of the HTTP request
 *    (@clickhouse/client's `clickhouse_settings`), outside the SQL text. The
 *    statement cannot change them: it holds no SETTINGS and readonly = 1
 *    refuses SET. Production should also connect as a read-only user.
 *  - embedded backend (chDB): chDB takes no settings outside the SQL text,
 *    so the sandbox appends `SETTINGS …` to the canonical statement. That is
 *    safe here, and only here, because the canonical text is ClickHouse's own
 *    rendering of exactly one statement, proven (by its parse) to hold no
 *    SETTINGS, no FORMAT and no INTO OUTFILE, and without comments or a
 *    trailing `;`: the appended clause can only become that one statement's
 *    SETTINGS clause. The result is parsed once more before it runs and must
 *    be the same tree plus the one `Set` node; if not, nothing runs.
 */
import { XRayError } from '../errors.js';
import { ClickHouseError } from '../store/index.js';
import type { ClickHouseBackend, ClickHouseSettings } from '../store/index.js';
import type { AstLine } from './ast-dump.js';
import { DEFAULT_SQL_LIMITS, sandboxSettings, settingsClause } from './limits.js';
import type { SqlLimits } from './limits.js';
import { SqlRejectedError, explainAst, firstLine, parseStatement } from './parse.js';
import { KNOWN_OUTSIDE_TABLE_FUNCTIONS, judgeStatement } from './policy.js';

export interface SqlResult {
  rows: Record<string, unknown>[];
  /** True when the reply was cut at the row or byte cap. */
  truncated: boolean;
  /** The canonical statement that ran. */
  statement: string;
}

export interface SqlSandbox {
  /** Parses, judges and runs one statement; throws an XRayError when refused or failed. */
  run(sql: string): Promise<SqlResult>;
  readonly limits: SqlLimits;
}

export interface SqlSandboxOptions {
  backend: ClickHouseBackend;
  limits?: Partial<SqlLimits>;
}

/** ClickHouse codes for a limit the sandbox set: time, memory, rows or bytes read. */
const LIMIT_CODES = new Set([159, 241, 158, 307, 396, 160]);
/** READONLY, ACCESS_DENIED and UNKNOWN_SETTING (a query setting posing as an EXPLAIN option): the engine itself refused. */
const REFUSED_CODES = new Set([164, 497, 115]);

function withoutCounts(nodes: readonly AstLine[]): string[] {
  return nodes.map((node) => `${node.depth}:${node.kind}:${node.detail}`);
}

/**
 * True when `after` is `before` plus exactly one `Set` node (the appended
 * clause). An EXPLAIN's options are a `Set` of `before` already: it must stay
 * where it was, the root's first child.
 */
export function isSameTreePlusSettings(before: readonly AstLine[], after: readonly AstLine[]): boolean {
  const setsBefore = before.filter((node) => node.kind === 'Set').length;
  const setsAfter = after.filter((node) => node.kind === 'Set').length;
  if (setsAfter !== setsBefore + 1 || after[0]?.kind !== before[0]?.kind) return false;
  if (setsBefore > 0 && !(before[1]?.kind === 'Set' && after[1]?.kind === 'Set' && after[1].depth === 1)) return false;
  const rest = withoutCounts(after.filter((node) => node.kind !== 'Set'));
  const expected = withoutCounts(before.filter((node) => node.kind !== 'Set'));
  return rest.length === expected.length && rest.every((line, index) => line === expected[index]);
}

async function loadTableFunctions(backend: ClickHouseBackend, settings: ClickHouseSettings | undefined): Promise<Set<string>> {
  const names = new Set(KNOWN_OUTSIDE_TABLE_FUNCTIONS);
  try {
    const rows = await backend.query<{ name: string }>('SELECT lower(name) AS name FROM system.table_functions', undefined, { settings });
    for (const row of rows) names.add(row.name);
  } catch {
    // The static list above still applies.
  }
  return names;
}

function toSqlError(error: unknown): XRayError {
  if (error instanceof XRayError) return error;
  if (error instanceof SqlRejectedError) return new XRayError('XRAY_ERR_SQL_REJECTED', error.message);
  if (error instanceof ClickHouseError) {
    const code = error.clickhouseCode ?? -1;
    if (LIMIT_CODES.has(code)) return new XRayError('XRAY_ERR_SQL_LIMIT_EXCEEDED', firstLine(error), { cause: error });
    if (REFUSED_CODES.has(code)) return new XRayError('XRAY_ERR_SQL_REJECTED', firstLine(error), { cause: error });
    return new XRayError('XRAY_ERR_SQL_FAILED', firstLine(error), { cause: error });
  }
  if (error instanceof SyntaxError) {
    return new XRayError('XRAY_ERR_SQL_FAILED', 'The result could not be read as JSON rows (remove any FORMAT clause)');
  }
  throw error;
}

/**
 * Creates the sandbox for one backend.
 *
 * @example
 * const sandbox = createSqlSandbox({ backend: store.backend, limits: { maxRows: 1000 } });
 * const { rows, truncated } = await sandbox.run('SELECT count() FROM executions FINAL');
 */
export function createSqlSandbox(options: SqlSandboxOptions): SqlSandbox {
  const { backend } = options;
  const limits: SqlLimits = { ...DEFAULT_SQL_LIMITS, ...options.limits };
  const settings = sandboxSettings(limits);
  const server = backend.kind === 'server';
  // Server: the parse queries run read-only too. Embedded: they carry no settings (see the header).
  const parseSettings: ClickHouseSettings | undefined = server ? { readonly: 1 } : undefined;
  let tableFunctions: Promise<Set<string>> | undefined;
  let running = 0;

  async function execute(sql: string): Promise<SqlResult> {
    const parsed = await parseStatement(backend, sql, parseSettings);
    tableFunctions ??= loadTableFunctions(backend, parseSettings);
    const verdict = judgeStatement(parsed.nodes, await tableFunctions);
    if (!verdict.allowed) throw new SqlRejectedError(verdict.reason);

    let text = parsed.canonical;
    // Server: the reply is at most the row cap, so it is buffered there whole and a
    // limit hit mid-query comes back as an error status, never inside a 200 body.
    let querySettings: ClickHouseSettings | undefined = { ...settings, wait_end_of_query: 1 };
    if (!server) {
      text = `${parsed.canonical} ${settingsClause(settings)}`;
      querySettings = undefined;
      const reparsed = await explainAst(backend, text, undefined);
      if (!isSameTreePlusSettings(parsed.nodes, reparsed)) throw new SqlRejectedError('The statement would not take the sandbox limits');
    }
    // One row past the cap tells a cut reply from one that fit exactly.
    const rows = await backend.query<Record<string, unknown>>(text, undefined, {
      settings: querySettings,
      maxRows: limits.maxRows + 1,
      verbatim: true,
      isolated: true,
    });
    const truncated = rows.length > limits.maxRows;
    return { rows: truncated ? rows.slice(0, limits.maxRows) : rows, truncated, statement: parsed.canonical };
  }

  return {
    limits,
    async run(sql) {
      if (running >= limits.maxConcurrent) throw new XRayError('XRAY_ERR_SQL_BUSY');
      running += 1;
      try {
        return await execute(sql);
      } catch (error) {
        throw toSqlError(error);
      } finally {
        running -= 1;
      }
    },
  };
}
