/**
 * `xray sql "<SELECT …>"`: read-only SQL through the collector's admin API.
 * It goes through the collector rather than opening the data folder because
 * embedded ClickHouse (chDB) lets one process at a time hold it.
 */
import { UsageError } from '../errors.js';
import type { SqlResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderSqlResult } from '../format/sql-result.js';

export const sqlCommand: Command = {
  name: 'sql',
  synopsis: 'sql "<statement>"',
  summary: 'Run one read-only SQL statement against the store (admin)',
  help: `Usage: xray sql "<statement>"

Run one read-only statement (SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS,
EXPLAIN of a SELECT) through the collector's SQL sandbox and print the rows.
ClickHouse runs it read-only with the collector's limits (at most 10,000
rows, 30 s by default); SETTINGS, FORMAT, INTO OUTFILE and table functions
that reach files, URLs or other servers are refused. Needs the admin token,
and sees every app (filter on app_id).

Tables: apps, api_keys, executions, steps, pipeline_stats_1m, pipeline_stats_1h,
step_stats_1h, pipeline_counts_1h (plain hourly counts, up to the job's last
pass), and the rollups' _live views (pipeline_stats_1m_live, ...: the
rollup plus the rows its job has not folded in yet) (see clickhouse/migrations). executions, steps and
pipeline_counts_1h are ReplacingMergeTree: add FINAL to count each row once before background merges run.

Examples:
  xray sql "SELECT pipeline, count() AS n FROM executions FINAL GROUP BY pipeline"
  xray sql "SELECT name, avg(duration_ms) FROM steps GROUP BY name ORDER BY 2 DESC LIMIT 10"
  xray sql "SHOW TABLES" --json`,
  options: {},
  async run(context, { positionals }) {
    // Unquoted words are joined, so `xray sql SELECT count() FROM steps` works too.
    const sql = positionals.join(' ').trim();
    if (sql === '') throw new UsageError('missing the SQL statement, e.g. xray sql "SELECT count() FROM executions"', 'sql');
    const result = await context.client.post<SqlResponse>('/api/v1/admin/sql', { sql }, { auth: 'admin' });
    context.out(context.json ? toJson(result) : renderSqlResult(result, { colors: context.colors, maxWidth: context.terminalWidth }));
  },
};
