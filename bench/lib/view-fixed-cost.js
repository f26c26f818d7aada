/**
 * The fixed part of what a materialized view costs an insert: the CPU one
 * small insert takes with no view attached, and what each shipped view adds
 * to it (issue 10 item 4; lib/rollup-cost.js measures the share at the
 * collector's batch sizes, this says why it falls as batches grow).
 *
 *   npm run build && node bench/lib/view-fixed-cost.js [--inserts 60] [--rows 20] [--rounds 3]
 *
 * Issue 10's dataset (20-step executions, generated in this process) gives
 * the rows; each configuration copies `steps` and `executions` (and the
 * views' targets) with their settings, attaches the chosen views, stops
 * merges on the copies (a merge's CPU would land in a random configuration),
 * and inserts `--inserts` batches of `--rows` rows through the collector's
 * embedded backend, every batch under fresh execution ids (the tables keep a
 * deduplication window: a repeated block would be dropped, not written).
 * Process CPU (chDB runs here) per insert, median of the rounds after a
 * warm-up round, configurations alternating.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MIGRATIONS_DIR } from '../../collector/dist/config.js';
import { createBackend } from '../../collector/dist/store/index.js';
import { applyMigrations, loadMigrations } from '../../collector/dist/store/migrations.js';
import { createTempDir } from './cleanup.js';
import { datasetParams, insertExecutionsSql, insertStepsSql } from './dataset.js';
import { attachViewCopy, shippedViews } from './rollup-cost.js';
import { median } from './stats.js';

const PROBE = '_fixed_probe';

/**
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend an engine holding the generated dataset
 * @param {{ inserts?: number, rows?: number, rounds?: number }} [options]
 * @returns {Promise<{ source: string, label: string, millisPerInsert: number, addedMillis: number }[]>}
 */
export async function measureViewFixedCost(backend, options = {}) {
  const inserts = options.inserts ?? 60;
  const rowsPerInsert = options.rows ?? 20;
  const rounds = options.rounds ?? 3;
  const views = await shippedViews(backend);
  const sample = {
    steps: await backend.query(`SELECT * FROM steps ORDER BY start_time DESC LIMIT {n:UInt64}`, { n: rowsPerInsert }),
    executions: await backend.query(`SELECT * FROM executions ORDER BY start_time DESC LIMIT {n:UInt64}`, { n: rowsPerInsert }),
  };
  const configurations = [];
  for (const source of ['steps', 'executions']) {
    const own = views.filter((view) => view.source === source);
    configurations.push({ source, label: 'no view', views: [] });
    for (const view of own) configurations.push({ source, label: view.name, views: [view] });
    if (own.length > 1) configurations.push({ source, label: `all ${own.length} views on ${source}`, views: own });
  }
  const drop = async () => {
    for (const view of views) await backend.command(`DROP VIEW IF EXISTS ${view.name}${PROBE}`);
    for (const table of ['steps', 'executions', ...new Set(views.map((view) => view.target))]) await backend.command(`DROP TABLE IF EXISTS ${table}${PROBE}`);
  };
  const run = async (configuration) => {
    await drop();
    const tables = [configuration.source, ...new Set(configuration.views.map((view) => view.target))];
    for (const table of tables) await backend.command(`CREATE TABLE ${table}${PROBE} AS ${table}`);
    for (const view of configuration.views) await attachViewCopy(backend, view, PROBE);
    for (const table of tables) await backend.command(`SYSTEM STOP MERGES ${table}${PROBE}`);
    const rows = sample[configuration.source];
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < inserts; i++) {
      await backend.insert(`${configuration.source}${PROBE}`, rows.map((row) => ({ ...row, execution_id: `${row.execution_id}-${i}` })));
    }
    const cpu = process.cpuUsage(cpuStart);
    return (cpu.user + cpu.system) / 1000 / inserts;
  };
  const spent = configurations.map(() => []);
  try {
    for (let round = 0; round <= rounds; round++) {
      const order = configurations.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const millis = await run(configurations[i]);
        if (round > 0) spent[i].push(millis);
      }
    }
  } finally {
    await drop();
  }
  const base = new Map();
  return configurations.map((configuration, i) => {
    const millisPerInsert = median(spent[i]);
    if (configuration.views.length === 0) base.set(configuration.source, millisPerInsert);
    return { source: configuration.source, label: configuration.label, millisPerInsert, addedMillis: millisPerInsert - base.get(configuration.source) };
  });
}

async function main() {
  const { values } = parseArgs({ options: { inserts: { type: 'string' }, rows: { type: 'string' }, rounds: { type: 'string' } } });
  const dir = createTempDir('view-fixed-cost');
  const backend = await createBackend({ kind: 'embedded', dataDir: dir.path });
  try {
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    const params = datasetParams({ steps: 20_000, appId: 'bench', seed: 'xray-issue-10', anchorMillis: Math.floor(Date.now() / 3_600_000) * 3_600_000 });
    await backend.command(insertExecutionsSql(), params);
    await backend.command(insertStepsSql(), params);
    const rows = await measureViewFixedCost(backend, {
      inserts: values.inserts ? Number(values.inserts) : undefined,
      rows: values.rows ? Number(values.rows) : undefined,
      rounds: values.rounds ? Number(values.rounds) : undefined,
    });
    const os = await import('node:os');
    console.log(`CPU ms per insert of ${values.rows ?? 20} rows, load average ${os.loadavg()[0].toFixed(2)}`);
    for (const row of rows) console.log(`${row.source.padEnd(11)} ${row.label.padEnd(40)} ${row.millisPerInsert.toFixed(2).padStart(7)} ms  +${row.addedMillis.toFixed(2)}`);
  } finally {
    await backend.close();
    dir.remove();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
