/**
 * Where a cold timeline's time goes inside the engine: the timeline
 * statement the API runs, taken apart into what it is made of, each timed
 * in-process on the generated data (no HTTP, no collector), so the fixed
 * costs under a point lookup are printed next to PostgreSQL's figure.
 *
 * Lines, each the median of `runs` statements, every run on an execution
 * never read before (engine caches warmed first on others):
 * - `SELECT 1`: one statement through chDB, nothing read;
 * - planning a `SELECT *` of steps (`WHERE 0`: analysed, planned, nothing read);
 * - the `execution_days` lookup alone (which days hold the id);
 * - the execution's row alone, its day bound (`executions`, all columns);
 * - the execution's steps alone, their day bound (`steps`, all columns);
 * - the same steps, span ids only (what reading every column adds);
 * - the timeline statement as the API runs it (one statement: the two
 *   reads above with the days looked up inside).
 */
import { executionTimelineQuery } from '../../collector/dist/store/executions.js';
import { median } from './stats.js';

/**
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend
 * @param {{ appId: string, runs: number }} options
 * @returns {Promise<{ label: string, millis: number }[]>}
 */
export async function measureLookupFloor(backend, options) {
  const runs = options.runs;
  const rows = await backend.query(
    `SELECT execution_id, toString(toDate(start_time)) AS day FROM executions WHERE app_id = {appId:String}
ORDER BY cityHash64(execution_id, 'floor') LIMIT {n:UInt32}`,
    { appId: options.appId, n: 32 + 7 * runs },
  );
  let next = 0;
  const fresh = () => rows[next++ % rows.length];
  const one = (row) => ({ appId: options.appId, executionId: row.execution_id, day: row.day });
  const byIdAndDay = `app_id = {appId:String} AND execution_id = {executionId:String} AND toDate(start_time) = {day:Date}`;
  const lines = [
    { label: 'SELECT 1 (one statement, nothing read)', sql: 'SELECT 1' },
    { label: 'plan a SELECT * of steps (WHERE 0: analysed and planned, nothing read)', sql: 'SELECT * FROM steps WHERE 0' },
    { label: 'execution_days: the days of one id', sql: 'SELECT day FROM execution_days WHERE app_id = {appId:String} AND execution_id = {executionId:String}' },
    { label: 'executions: one row by id, its day bound, every column', sql: `SELECT * FROM executions WHERE ${byIdAndDay}` },
    { label: 'steps: one execution\'s 20 rows, their day bound, span ids only', sql: `SELECT span_id FROM steps WHERE ${byIdAndDay}` },
    { label: 'steps: one execution\'s 20 rows, their day bound, every column', sql: `SELECT * FROM steps WHERE ${byIdAndDay}` },
    { label: 'the timeline statement as the API runs it (days looked up inside)', sql: executionTimelineQuery(options.appId, '', true).sql },
  ];
  // Warm the engine's caches (marks, primary keys) on 32 executions not timed below.
  for (let i = 0; i < 32; i++) {
    const row = fresh();
    for (const line of lines) await backend.query(line.sql, one(row));
  }
  const millis = lines.map(() => []);
  for (let run = 0; run < runs; run++) {
    // Interleaved: each run times every line once, each line on an id of its own.
    for (let i = 0; i < lines.length; i++) {
      const params = one(fresh());
      const start = process.hrtime.bigint();
      await backend.query(lines[i].sql, params);
      millis[i].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return lines.map((line, i) => ({ label: line.label, millis: median(millis[i]) }));
}
