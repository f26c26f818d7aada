/**
 * `query`: how long the collector's read queries take at 1M steps (100k with
 * --quick), through the collector's own repository functions
 * (createExecutionsRepository and createStatsRepository over the embedded
 * backend), in this process.
 *
 * The data is generated inside the engine with INSERT ... SELECT FROM
 * numbers(): 100 steps per execution, executions spread over the last 30
 * days, 3 pipelines, 5% of executions failed, reasoning text drawn from a
 * small vocabulary plus one rare word in about ten steps. Executions are
 * inserted into `executions` itself, so the materialized view fills the
 * failure-rate rollup exactly as ingest does.
 *
 * Every query runs twice untimed, then N times; the median and p90 are
 * reported in milliseconds. EXPLAIN indexes = 1 shows how many parts and
 * granules the timeline and the rare-word search read.
 */
import { DEFAULT_MIGRATIONS_DIR } from '../collector/dist/config.js';
import { createBackend } from '../collector/dist/store/index.js';
import { createExecutionsRepository } from '../collector/dist/store/executions.js';
import { createStatsRepository } from '../collector/dist/store/stats.js';
import { applyMigrations, loadMigrations } from '../collector/dist/store/migrations.js';
import { parseSearch, stepSearchCondition } from '../collector/dist/store/step-search.js';
import { createTempDir } from './lib/cleanup.js';
import { formatFixed, formatInt, progress } from './lib/format.js';
import { median, percentile } from './lib/stats.js';
import { parseExplainIndexes } from './lib/explain.js';

const APP_ID = 'bench';
const STEPS_PER_EXECUTION = 100;
const DAY_MILLIS = 24 * 60 * 60 * 1000;
/** Spread over 29.5 days, not 30: the tables' TTL drops whole days older than 30. */
const SPREAD_MILLIS = 29.5 * DAY_MILLIS;
const RARE_WORD = 'zanzibar';
const COMMON_WORD = 'threshold';
const VOCABULARY = [
  'score', 'threshold', 'above', 'below', 'policy', 'rule', 'tier', 'approved', 'rejected', 'income', 'ratio',
  'debt', 'fraud', 'signal', 'weak', 'strong', 'match', 'offer', 'rank', 'margin', 'customer', 'history',
  'verified', 'manual', 'review', 'limit', 'risk', 'band', 'rate', 'standard',
];

/** ClickHouse expression of an execution's id, shared by both inserts so steps point at their execution. */
const EXECUTION_ID = (n) => `lower(hex(MD5(toString(${n}))))`;
/** Start of execution n, in unix ms: evenly over the spread, plus up to a minute of jitter. */
const EXECUTION_START_MS = (n) =>
  `toInt64({baseMillis:Int64} + intDiv(toInt64(${n}) * {spreadMillis:Int64}, {executions:Int64}) + (cityHash64(${n}, 'jitter') % 60000))`;
const FAILED = (n) => `(cityHash64(${n}, 'failed') % 20 = 0)`;
const PIPELINE = (n) => `['loan-approval', 'fraud-check', 'offer-ranking'][(${n}) % 3 + 1]`;

function insertExecutionsSql() {
  return `INSERT INTO executions
  (app_id, execution_id, trace_id, root_span_id, pipeline, environment, service_name, status,
   start_time, end_time, duration_ms, step_count, error_count, dropped_steps, error_message, metadata, final_outcome, attributes)
SELECT
  {appId:String}, ${EXECUTION_ID('number')}, ${EXECUTION_ID('number')}, lower(hex(cityHash64(number, 'root'))),
  ${PIPELINE('number')}, 'prod', 'xray-bench', if(${FAILED('number')}, 'failed', 'completed'),
  fromUnixTimestamp64Milli(${EXECUTION_START_MS('number')}, 'UTC'),
  fromUnixTimestamp64Milli(${EXECUTION_START_MS('number')} + ${STEPS_PER_EXECUTION * 50}, 'UTC'),
  ${STEPS_PER_EXECUTION * 50}, ${STEPS_PER_EXECUTION}, if(${FAILED('number')}, 1, 0), 0,
  if(${FAILED('number')}, 'no offer could be selected', ''),
  concat('{"userId":"u-', toString(number % 5000), '","channel":"web"}'),
  if(${FAILED('number')}, '', '{"approved":true,"offer":"B"}'),
  map('deployment.region', 'eu-west-1')
FROM numbers({executions:UInt64})`;
}

function insertStepsSql() {
  const e = `intDiv(number, ${STEPS_PER_EXECUTION})`;
  const seq = `(number % ${STEPS_PER_EXECUTION})`;
  const failedStep = `(${FAILED(e)} AND ${seq} = ${STEPS_PER_EXECUTION - 1})`;
  const words = `arrayStringConcat(arrayMap(i -> {vocabulary:Array(String)}[cityHash64(number, i) % length({vocabulary:Array(String)}) + 1], range(14)), ' ')`;
  return `INSERT INTO steps
  (app_id, execution_id, trace_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
   start_time, end_time, duration_ms, input, output, reasoning, error_type, error_message, error_stack,
   model, provider, input_tokens, output_tokens, cost_usd, attributes)
SELECT
  {appId:String}, ${EXECUTION_ID(e)}, ${EXECUTION_ID(e)}, lower(hex(cityHash64(number, 'span'))),
  lower(hex(cityHash64(${e}, 'root'))), ${seq},
  ['fetch_application', 'fetch_credit_score', 'normalize_score', 'check_fraud_signals', 'lookup_income',
   'compute_dti', 'apply_policy_rules', 'llm_summarize_history', 'rank_offers', 'select_offer'][${seq} % 10 + 1],
  ${PIPELINE(e)}, 'prod', if(${failedStep}, 'failed', 'completed'),
  fromUnixTimestamp64Milli(${EXECUTION_START_MS(e)} + ${seq} * 50, 'UTC'),
  fromUnixTimestamp64Milli(${EXECUTION_START_MS(e)} + ${seq} * 50 + 40, 'UTC'),
  40,
  concat('{"applicationId":"app-', toString(${e}), '-', toString(${seq}), '","customer":{"id":"c-', toString(cityHash64(number) % 100000),
         '","segment":"prime"},"amounts":{"requested":25000,"approved":', toString(20000 + ${seq}), '},"flags":["verified","returning"]}'),
  concat('{"score":', toString((cityHash64(number, 'score') % 1000) / 1000), ',"accepted":', if(cityHash64(number, 'ok') % 4 = 0, 'false', 'true'),
         ',"notes":"computed from bureau data and internal history for this application"}'),
  concat(${words}, if(number % {rareStride:UInt64} = 4242 % {rareStride:UInt64}, ' ${RARE_WORD}', ''), '.'),
  if(${failedStep}, 'TimeoutError', ''), if(${failedStep}, 'policy service timed out', ''),
  if(${failedStep}, 'TimeoutError: policy service timed out\\n    at callPolicy (policy.js:42:11)', ''),
  if(${seq} % 10 = 7, 'gpt-4o-mini', ''), if(${seq} % 10 = 7, 'openai', ''),
  if(${seq} % 10 = 7, 800 + ${seq}, 0), if(${seq} % 10 = 7, 96, 0), if(${seq} % 10 = 7, 0.00042, 0),
  map('http.status_code', '200')
FROM numbers({steps:UInt64})`;
}

/**
 * Generates `executions` executions of 100 steps each for `appId` inside the
 * engine, spread over the last 29.5 days before `nowMillis` (also used by the
 * export section).
 *
 * @param {{ command: (sql: string, params: object) => Promise<void> }} backend
 * @param {{ appId: string, executions: number, nowMillis: number }} options
 */
export async function seedDecisionData(backend, options) {
  const steps = options.executions * STEPS_PER_EXECUTION;
  const params = {
    appId: options.appId,
    executions: options.executions,
    steps,
    baseMillis: options.nowMillis - SPREAD_MILLIS - 60 * 60 * 1000,
    spreadMillis: SPREAD_MILLIS,
    vocabulary: VOCABULARY,
    rareStride: Math.max(1, Math.floor(steps / 10)),
  };
  await backend.command(insertExecutionsSql(), params);
  await backend.command(insertStepsSql(), params);
}

/** Runs `fn` twice untimed, then `runs` times timed; returns the timings in ms and the last result. */
async function measure(runs, fn) {
  let result;
  for (let i = 0; i < 2; i++) result = await fn(i);
  const millis = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    result = await fn(i);
    millis.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { millis, result };
}

async function explainIndexes(backend, sql, params) {
  const rows = await backend.query(`EXPLAIN indexes = 1 ${sql}`, params);
  return parseExplainIndexes(rows.map((row) => String(row.explain)));
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runQuery(options) {
  const executions = options.quick ? 1_000 : 10_000;
  const steps = executions * STEPS_PER_EXECUTION;
  const runs = options.quick ? 5 : 15;
  const nowMillis = Date.now();
  const range = { fromMillis: nowMillis - 30 * DAY_MILLIS, toMillis: nowMillis + 60_000 };

  const dir = createTempDir('query');
  // createBackend loads chDB lazily, so it is async.
  const backend = await createBackend({ kind: 'embedded', dataDir: dir.path });
  try {
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    progress(`query: generating ${formatInt(executions)} executions and ${formatInt(steps)} steps over 30 days`);
    const genStart = process.hrtime.bigint();
    await seedDecisionData(backend, { appId: APP_ID, executions, nowMillis });
    const generateSeconds = Number(process.hrtime.bigint() - genStart) / 1e9;
    progress(`query: generated in ${generateSeconds.toFixed(1)} s`);

    const [stored] = await backend.query(
      `SELECT (SELECT count() FROM steps) AS steps, (SELECT count() FROM executions) AS executions,
  (SELECT countIf(hasToken(lower(reasoning), {rare:String})) FROM steps) AS rare,
  (SELECT count() FROM system.parts WHERE table = 'steps' AND active) AS step_parts,
  (SELECT sum(marks) FROM system.parts WHERE table = 'steps' AND active) AS step_marks,
  (SELECT formatReadableSize(sum(bytes_on_disk)) FROM system.parts WHERE table = 'steps' AND active) AS step_bytes`,
      { rare: RARE_WORD },
    );
    if (Number(stored.steps) !== steps || Number(stored.executions) !== executions) {
      throw new Error(`generated ${stored.steps} steps / ${stored.executions} executions, expected ${steps} / ${executions}`);
    }
    const rareSteps = Number(stored.rare);

    const repo = createExecutionsRepository(backend);
    const stats = createStatsRepository(backend);
    // Executions spread over the whole range, the same ones for every run.
    const ids = (await backend.query(
      `SELECT execution_id FROM executions WHERE app_id = {appId:String} ORDER BY cityHash64(execution_id) LIMIT 20`,
      { appId: APP_ID },
    )).map((row) => String(row.execution_id));
    const idAt = (i) => ids[i % ids.length];

    progress(`query: timing (2 untimed + ${runs} timed runs each)`);
    const results = [];
    const add = async (label, fn, check) => {
      const { millis, result } = await measure(runs, fn);
      const problem = check(result);
      if (problem) throw new Error(`${label}: ${problem}`);
      results.push({ label, millis, rows: Array.isArray(result) ? result.length : 1 });
      progress(`query:   ${label}: median ${formatFixed(median(millis), 1)} ms`);
    };

    await add('timeline: steps(appId, executionId)', (i) => repo.steps(APP_ID, idAt(i)), (rows) =>
      rows.length === STEPS_PER_EXECUTION ? undefined : `got ${rows.length} steps, expected ${STEPS_PER_EXECUTION}`);
    await add('timeline: get(appId, executionId)', (i) => repo.get(APP_ID, idAt(i)), (row) =>
      row && row.step_count === STEPS_PER_EXECUTION ? undefined : `got ${JSON.stringify(row)?.slice(0, 200)}`);
    // What GET /api/v1/executions/:id does: the execution, then its steps
    // within a day of it (so other days' partitions are skipped).
    const pageView = async (i) => {
      const row = await repo.get(APP_ID, idAt(i), { storedCounts: false });
      const rows = row ? await repo.steps(APP_ID, idAt(i), { startNanos: row.start_ns, endNanos: row.end_ns }) : [];
      return [row, rows];
    };
    await add('timeline: get + steps in its window (one page view)', pageView, ([row, rows]) =>
      row && rows.length === STEPS_PER_EXECUTION ? undefined : 'missing execution or steps');
    await add('failure rate, 30 days, daily buckets', () => stats.failureRate(APP_ID, range, 86_400), (points) => {
      const total = points.reduce((sum, point) => sum + Number(point.executions), 0);
      return total === executions ? undefined : `rollup counts ${total} executions, expected ${executions} (did the view fire?)`;
    });
    await add('failure rate, 30 days, hourly buckets', () => stats.failureRate(APP_ID, range, 3_600), (points) =>
      points.length > 0 ? undefined : 'no points');
    await add('summary, 30 days', () => stats.summary(APP_ID, range), (summary) =>
      summary.executions === executions ? undefined : `summary counts ${summary.executions} executions`);
    await add('list executions, 30 days, first page of 50', () => repo.list(APP_ID, range, 50), (rows) =>
      rows.length === 50 ? undefined : `got ${rows.length} rows`);
    await add(`searchSteps reasoning "${RARE_WORD}" (rare), limit 50`, () => repo.searchSteps(APP_ID, { ...range, reasoning: RARE_WORD }, 50), (rows) =>
      rows.length === Math.min(50, rareSteps) ? undefined : `got ${rows.length} steps, expected ${rareSteps}`);
    await add(`list executions with reasoning "${RARE_WORD}", limit 50`, () => repo.list(APP_ID, { ...range, reasoning: RARE_WORD }, 50), (rows) =>
      rows.length > 0 && rows.length <= rareSteps ? undefined : `got ${rows.length} executions for ${rareSteps} steps`);
    await add(`searchSteps reasoning "${COMMON_WORD}" (common), limit 50`, () => repo.searchSteps(APP_ID, { ...range, reasoning: COMMON_WORD }, 50), (rows) =>
      rows.length === 50 ? undefined : `got ${rows.length} steps`);

    // Business-key lookup: the generated metadata holds userId = u-(n % 5000).
    const businessKey = 'userId=u-123';
    const keyed = Math.floor((executions - 1 - 123) / 5000) + 1;
    await add(`list executions where ${businessKey} (business_keys index)`, () => repo.list(APP_ID, { ...range, businessKeys: [businessKey] }, 50), (rows) =>
      rows.length === keyed ? undefined : `got ${rows.length} executions, expected ${keyed}`);
    await add(`searchSteps where ${businessKey} (steps of those executions), limit 50`, () =>
      repo.searchSteps(APP_ID, { ...range, businessKeys: [businessKey] }, 50), (rows) =>
      rows.length === Math.min(50, keyed * STEPS_PER_EXECUTION) ? undefined : `got ${rows.length} steps`);
    const keySql = (useIndex) => `SELECT execution_id FROM executions FINAL WHERE app_id = {appId:String} AND has(business_keys, {pair:String})
  SETTINGS do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 0, use_skip_indexes = ${useIndex ? 1 : 0}`;
    await add(`same lookup in SQL, index on`, () => backend.query(keySql(true), { appId: APP_ID, pair: businessKey }), (rows) =>
      rows.length === keyed ? undefined : `got ${rows.length}`);
    await add(`baseline: same lookup as a scan (use_skip_indexes = 0)`, () => backend.query(keySql(false), { appId: APP_ID, pair: businessKey }), (rows) =>
      rows.length === keyed ? undefined : `got ${rows.length}`);
    const keyIndexes = await explainIndexes(backend, keySql(true), { appId: APP_ID, pair: businessKey });

    const first = await repo.get(APP_ID, ids[0], { storedCounts: false });
    const timelineSql = `SELECT * FROM steps FINAL WHERE app_id = {appId:String} AND execution_id = {executionId:String}
  AND start_time >= fromUnixTimestamp64Nano({aroundStart:Int64}, 'UTC') - INTERVAL 1 DAY
  AND start_time <= fromUnixTimestamp64Nano({aroundEnd:Int64}, 'UTC') + INTERVAL 1 DAY
  ORDER BY sequence, start_time, span_id
  SETTINGS do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 0`;
    const timelineIndexes = await explainIndexes(backend, timelineSql, {
      appId: APP_ID,
      executionId: ids[0],
      aroundStart: first.start_ns,
      aroundEnd: first.end_ns,
    });
    // The collector's own search condition (store/step-search.ts: the text indexes of migration 0100).
    const search = stepSearchCondition(parseSearch(RARE_WORD).terms, 'search');
    const searchSql = `SELECT * FROM steps FINAL WHERE app_id = {appId:String}
  AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') AND start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')
  AND ${search.sql} ORDER BY start_time DESC, span_id DESC LIMIT 50
  SETTINGS do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 0`;
    const searchIndexes = await explainIndexes(backend, searchSql, { appId: APP_ID, ...range, ...search.params });

    const timelineRead = timelineIndexes.find((i) => i.type.startsWith('read'));
    const tables = [
      {
        title: `query: ${formatInt(steps)} steps, ${formatInt(executions)} executions over 30 days; ms, ${runs} timed runs after 2 untimed`,
        columns: ['query (collector repository function)', 'median ms', 'p90 ms', 'rows'],
        rows: results.map((r) => [r.label, formatFixed(median(r.millis), 1), formatFixed(percentile(r.millis, 90), 1), formatInt(r.rows)]),
        notes: [
          `data: generated in ${formatFixed(generateSeconds, 1)} s; steps table ${stored.step_parts} active parts, ${formatInt(Number(stored.step_marks))} marks, ${stored.step_bytes} on disk; "${RARE_WORD}" in ${rareSteps} steps`,
          'get() also runs the stored-counts query on steps; list() too, once per page',
        ],
      },
      {
        title: 'query: EXPLAIN indexes = 1 (parts and granules selected / total, after each index)',
        columns: ['query', 'index', 'parts', 'granules'],
        rows: [
          ...timelineIndexes.map((i) => ['timeline steps()', `${i.type}${i.name ? ` ${i.name}` : ''}`, i.parts, i.granules]),
          ...searchIndexes.map((i) => [`searchSteps "${RARE_WORD}"`, `${i.type}${i.name ? ` ${i.name}` : ''}`, i.parts, i.granules]),
          ...keyIndexes.map((i) => ['executions where userId=…', `${i.type}${i.name ? ` ${i.name}` : ''}`, i.parts, i.granules]),
        ],
        notes: [
          'steps has index_granularity = 1024 rows; for PrimaryKeyExpand the numbers are after/before',
          `timeline: reads ${timelineRead?.granules ?? '?'} granules in ${timelineRead?.parts ?? '?'} parts for ${STEPS_PER_EXECUTION} steps ` +
            '(the API bounds the read to a day either side of the execution, and FINAL runs per partition)',
          'both queries use the collector\'s FINAL settings: do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 0',
        ],
      },
    ];
    return {
      tables,
      record: {
        executions,
        steps,
        runs,
        generateSeconds,
        rareSteps,
        stepParts: Number(stored.step_parts),
        queries: Object.fromEntries(results.map((r) => [r.label, { medianMillis: median(r.millis), p90Millis: percentile(r.millis, 90), rows: r.rows }])),
        explain: { timeline: timelineIndexes, rareSearch: searchIndexes, businessKey: keyIndexes },
      },
    };
  } finally {
    try {
      await backend.close();
    } finally {
      dir.remove();
    }
  }
}
