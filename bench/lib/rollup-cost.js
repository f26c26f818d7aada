/**
 * What the rollups and the materialized views cost ingest (issue 10 item 4:
 * "the rollups cost no more than 10% of insert throughput").
 *
 * The same rows (taken from the generated `steps` and `executions`) are
 * inserted through the collector's own embedded backend (`insert()` of
 * Native blocks encoded beforehand, the collector's encoding, in batches of
 * the collector's typical size; the columns the collector writes, so each
 * row's `inserted_at` is its insert's time, as the rollup passes expect) into copies of the two tables: once with no view
 * attached, once with copies of the shipped views that remain on the insert
 * path (`execution_days`: their SQL read from the engine, `FROM steps` /
 * `TO <target>` pointed at the copies), and once with those plus the rollup
 * job's passes (migration 0170: the collector's own `createRollupJob` over
 * copies of the rollups, of the hourly counts (migration 0200), of
 * `rollup_progress` and of the `_pending_since` views)
 * after every `passEverySteps` steps and once at the end of the round, so
 * every row is folded in. Configurations alternate round by round after a
 * warm-up round; the medians are reported as steps per second of wall time
 * and of process CPU time (chDB runs in this process, so its threads count),
 * and as the share of throughput each takes, 1 - without / with, from CPU
 * time (steady on a shared machine) and from wall time. The configurations
 * with passes also report the passes' own CPU (every thread, while a pass
 * runs) as a share of their round's: a direct measure of the same cost, an
 * upper bound (a merge that runs during a pass counts too), which does not
 * swing with the difference of two rounds' merges as the first does.
 */
import { encodeRows, NATIVE_TABLES } from '../../collector/dist/store/row-encoding.js';
import { createRollupJob, PIPELINE_COUNTS, ROLLUPS } from '../../collector/dist/store/rollups.js';
import { median } from './stats.js';

const PROBE = '_rollup_probe';

/** The shipped views as { name, source, select } (select with the source table named as written). */
async function shippedViewsOnly(backend) {
  const rows = await backend.query(
    `SELECT name, as_select FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name`,
  );
  return rows.map((row) => {
    const source = /\bFROM\s+(?:\w+\.)?(steps|executions)\b/.exec(row.as_select)?.[1];
    return { name: String(row.name), source, select: String(row.as_select) };
  }).filter((view) => view.source);
}

async function targetOf(backend, view) {
  const [row] = await backend.query(`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`, { name: view });
  return /\bTO\s+(?:\w+\.)?(\w+)/.exec(String(row.q))[1];
}

/** The shipped views reading `steps` or `executions`, as { name, source, target, select }. */
export async function shippedViews(backend) {
  const views = await shippedViewsOnly(backend);
  for (const view of views) view.target = await targetOf(backend, view.name);
  return views;
}

/** A copy of `view` named `<name><suffix>`, reading `<source><suffix>` into `<target><suffix>`. */
export async function attachViewCopy(backend, view, suffix) {
  const select = view.select.replace(new RegExp(`\\bFROM\\s+(\\w+\\.)?${view.source}\\b`), `FROM ${view.source}${suffix}`);
  await backend.command(`CREATE MATERIALIZED VIEW ${view.name}${suffix} TO ${view.target}${suffix} AS ${select}`);
}

/** The SQL of a shipped view (`CREATE VIEW ...`) creating its copy: the copy's name, its sources (after FROM) renamed to their copies. */
async function viewCopySql(backend, name, tables, suffix) {
  const [row] = await backend.query(`SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = {name:String}`, { name });
  return String(row.q)
    .replace(/^CREATE VIEW (\w+\.)?(\w+)/, (whole, database, view) => `CREATE VIEW ${view}${suffix}`)
    .replace(/\bFROM\s+(\w+\.)?(\w+)\b/g, (whole, database, table) => (tables.includes(table) ? `FROM ${table}${suffix}` : whole));
}

/** How long a round waits for the merges its inserts caused before the bench gives up on a stuck engine. */
const MERGES_TIMEOUT_MILLIS = 120_000;

/** Steps between two of the job's passes in the `+ rollups` configuration: ~2 s of ingest at 10,000 steps/s (the job's interval is 5 s). */
export const PASS_EVERY_STEPS = 20_000;

/**
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend the generation engine (embedded)
 * @param {{ steps?: number, batchRows?: number, rounds?: number, passEverySteps?: number }} [options]
 * @returns {Promise<{ rows: string[][], stepsPerRound: number, batchRows: number, rounds: number, shares: Record<string, number> }>}
 */
export async function measureRollupCost(backend, options = {}) {
  const stepCount = options.steps ?? 100_000;
  const batchRows = options.batchRows ?? 4_000;
  const rounds = options.rounds ?? 3;
  const passEverySteps = options.passEverySteps ?? PASS_EVERY_STEPS;
  const views = await shippedViews(backend);

  // The rows, as the collector's batcher would hand them to insert(): the columns the collector writes
  // (so inserted_at is the insert's own time, which the rollup passes select by), the newest first (a
  // batch of live traffic covers minutes, one or two day partitions, not the whole month).
  const columnsOf = (table) => Object.keys(NATIVE_TABLES[table]).join(', ');
  const steps = await backend.query(`SELECT ${columnsOf('steps')} FROM steps ORDER BY start_time DESC, execution_id, span_id LIMIT {n:UInt64}`, { n: stepCount });
  const ids = [...new Set(steps.map((row) => row.execution_id))];
  const executions = await backend.query(`SELECT ${columnsOf('executions')} FROM executions FINAL WHERE execution_id IN {ids:Array(String)}`, { ids });

  const rollupTables = [...Object.keys(ROLLUPS), PIPELINE_COUNTS, 'rollup_progress'];
  const tables = ['steps', 'executions', ...new Set(views.map((view) => view.target)), ...rollupTables];
  const pendingViews = Object.keys(ROLLUPS).map((rollup) => `${rollup}_pending_since`);
  const pendingSql = [];
  for (const name of pendingViews) pendingSql.push(await viewCopySql(backend, name, tables, PROBE));
  const create = async () => {
    for (const table of tables) await backend.command(`CREATE TABLE IF NOT EXISTS ${table}${PROBE} AS ${table}`);
    // The job's watermark starts where a fresh store's does: the migration's now.
    await backend.command(`INSERT INTO rollup_progress${PROBE} (name, through) SELECT arrayJoin(['rollups', '${PIPELINE_COUNTS}']), now64(3)`);
    for (const sql of pendingSql) await backend.command(sql);
  };
  const drop = async () => {
    for (const view of views) await backend.command(`DROP VIEW IF EXISTS ${view.name}${PROBE}`);
    for (const name of pendingViews) await backend.command(`DROP VIEW IF EXISTS ${name}${PROBE}`);
    for (const table of tables) await backend.command(`DROP TABLE IF EXISTS ${table}${PROBE}`);
  };
  const attach = async (chosen) => {
    for (const view of chosen) await attachViewCopy(backend, view, PROBE);
  };
  // As the batcher does: each batch's steps, then its executions, encoded as the collector encodes them (Native), before any timing.
  // Batch k of n carries executions [k E / n, (k + 1) E / n): every execution in exactly one batch, whatever the steps per execution.
  const batchCount = Math.ceil(steps.length / batchRows);
  const batches = [];
  for (let k = 0; k < batchCount; k++) {
    const from = Math.round((k * executions.length) / batchCount);
    const to = Math.round(((k + 1) * executions.length) / batchCount);
    batches.push({
      steps: encodeRows('steps', steps.slice(k * batchRows, (k + 1) * batchRows)),
      executions: to > from ? encodeRows('executions', executions.slice(from, to)) : undefined,
    });
  }
  const insertAll = async (passes) => {
    // The collector's own job, over the copies; no insert runs while it passes, so no bound but the clock.
    // Configured as the embedded collector configures it (store/index.ts): the sole writer, which knows when its last insert ended.
    let lastInsertEnd;
    const job = passes
      ? createRollupJob(backend, { intervalMillis: 0, lagMillis: 0, suffix: PROBE, soleWriter: true, lastInsertEnd: () => lastInsertEnd })
      : undefined;
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    let sincePass = 0;
    // The passes' own CPU, every thread of the process while a pass runs: their direct cost (an upper
    // bound: a merge of the steps that runs meanwhile counts too), steadier than a difference of rounds.
    let passCpu = 0;
    const pass = async () => {
      const passStart = process.cpuUsage();
      await job.run();
      const spent = process.cpuUsage(passStart);
      passCpu += (spent.user + spent.system) / 1e6;
      sincePass = 0;
    };
    for (const batch of batches) {
      await backend.insert(`steps${PROBE}`, [], { encoded: [batch.steps] });
      if (batch.executions) await backend.insert(`executions${PROBE}`, [], { encoded: [batch.executions] });
      lastInsertEnd = Date.now();
      sincePass += batch.steps.rows;
      if (job && sincePass >= passEverySteps) await pass();
    }
    if (job && sincePass > 0) await pass();
    // Every configuration pays for its merges: a round ends when none of the probe's tables is merging
    // (else the merges a configuration left running would be cut short by the next one's DROP, or be
    // charged to whatever runs next).
    await mergesDone();
    const cpu = process.cpuUsage(cpuStart);
    if (job) await checkFolded();
    else await checkStored();
    return { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: (cpu.user + cpu.system) / 1e6, passCpu };
  };
  const mergesDone = async () => {
    const deadline = Date.now() + MERGES_TIMEOUT_MILLIS;
    for (;;) {
      const [merging] = await backend.query(`SELECT count() AS n FROM system.merges WHERE endsWith(table, {probe:String})`, { probe: PROBE });
      if (Number(merging.n) === 0) return;
      if (Date.now() > deadline) throw new Error(`the probe's tables were still merging ${MERGES_TIMEOUT_MILLIS / 1000} s after its last insert`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const checkStored = async () => {
    const [stored] = await backend.query(`SELECT (SELECT count() FROM steps${PROBE}) AS steps, (SELECT count() FROM executions${PROBE}) AS executions`);
    if (Number(stored.steps) !== steps.length || Number(stored.executions) !== executions.length) {
      throw new Error(`the probe stored ${stored.steps} of ${steps.length} steps and ${stored.executions} of ${executions.length} executions`);
    }
  };
  // A pass that folded nothing would cost nothing: every row must have reached the rollups and the hourly counts.
  const checkFolded = async () => {
    const [folded] = await backend.query(
      `SELECT (SELECT uniqExactMerge(steps) FROM step_stats_1h${PROBE}) AS steps,
              (SELECT uniqExactMerge(executions) FROM pipeline_stats_1m${PROBE}) AS minute,
              (SELECT sum(executions) FROM ${PIPELINE_COUNTS}${PROBE} FINAL) AS counted`,
    );
    const distinctExecutions = new Set(executions.map((row) => row.execution_id)).size;
    const got = [Number(folded.steps), Number(folded.minute), Number(folded.counted)];
    if (got[0] !== steps.length || got[1] !== distinctExecutions || got[2] !== distinctExecutions) {
      throw new Error(`the rollup passes folded ${got[0]} of ${steps.length} steps, ${got[1]} and ${got[2]} of ${distinctExecutions} executions`);
    }
  };

  const configurations = [
    { label: 'no views (baseline)', views: [], passes: false },
    {
      label: `+ rollups (${Object.keys(ROLLUPS).join(', ')} and their hourly counts, ${PIPELINE_COUNTS}: the job's passes, every ${passEverySteps.toLocaleString('en-US')} steps)`,
      views: [],
      passes: true,
    },
    { label: `+ every view on the insert path (${views.map((view) => view.name).join(', ')})`, views, passes: false },
    { label: '+ every view and the rollup passes (as shipped)', views, passes: true },
  ];
  const wall = new Map(configurations.map((configuration) => [configuration.label, []]));
  const cpu = new Map(configurations.map((configuration) => [configuration.label, []]));
  const passShares = new Map(configurations.map((configuration) => [configuration.label, []]));
  try {
    // Round 0 is a warm-up (caches, first parts), not counted.
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 === 0 ? configurations : [...configurations].reverse();
      for (const configuration of order) {
        await drop();
        await create();
        await attach(configuration.views);
        const spent = await insertAll(configuration.passes);
        if (round === 0) continue;
        wall.get(configuration.label).push(spent.wall);
        cpu.get(configuration.label).push(spent.cpu);
        passShares.get(configuration.label).push(spent.passCpu / spent.cpu);
      }
    }
  } finally {
    await drop();
  }
  const baseWall = median(wall.get(configurations[0].label));
  const baseCpu = median(cpu.get(configurations[0].label));
  const shares = {};
  const rows = configurations.map((configuration) => {
    const w = median(wall.get(configuration.label));
    const c = median(cpu.get(configuration.label));
    // On a shared machine wall time swings with the neighbours; CPU seconds per row are steadier,
    // and on a dedicated core the insert is CPU-bound, so the CPU share is the throughput lost.
    const share = 1 - baseCpu / c;
    const passShare = configuration.passes ? median(passShares.get(configuration.label)) : undefined;
    shares[configuration.label] = { cpuShare: share, wallShare: 1 - baseWall / w, passShare };
    return [
      configuration.label,
      (steps.length / w).toFixed(0),
      (steps.length / c).toFixed(0),
      `${(100 * share).toFixed(1)}%`,
      `${(100 * (1 - baseWall / w)).toFixed(1)}%`,
      passShare === undefined ? '-' : `${(100 * passShare).toFixed(1)}%`,
    ];
  });
  return { rows, stepsPerRound: steps.length, executionsPerRound: executions.length, batchRows, rounds, passEverySteps, shares };
}
