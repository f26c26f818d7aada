/**
 * The compare section's ClickHouse side of the dataset, generated in a child
 * process: chDB keeps its data folder's lock (flock on `<folder>/status`)
 * until the process that opened it exits, even after close(), and the
 * collector refuses (or waits on) a locked folder. So the generator runs
 * here, exits, and the collector then opens the folder.
 *
 *   node bench/lib/generate-in-child.js '{"dataDir": …, "params": …, "files": {"executions": …, "steps": …}}'
 *
 * prints one line `GENERATED {json}` with the counts, the steps' bytes and
 * parts, and the generation time; with `rollupCost` options, also what the
 * materialized views cost an insert of the generated rows (lib/rollup-cost.js),
 * measured here because only this process may open the folder; with
 * `searchIndexCost`, what step search's text indexes cost an insert
 * (lib/search-index-cost.js); with `searchExplain`, EXPLAIN indexes = 1 of
 * the search statements (lib/search-stages.js); with `searchDictionaries`, what
 * the search indexes' dictionaries hold (lib/search-stages.js); with `lookupFloor`, the
 * timeline statement taken apart (lib/lookup-floor.js); with `settle`, every past
 * day merged into one part, as the collector leaves a day an hour after its
 * last write (migration 0160).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_MIGRATIONS_DIR } from '../../collector/dist/config.js';
import { createBackend } from '../../collector/dist/store/index.js';
import { applyMigrations, loadMigrations } from '../../collector/dist/store/migrations.js';
import { EXPORT_EXECUTIONS_SQL, EXPORT_STEPS_SQL, insertExecutionsSql, insertStepsSql } from './dataset.js';
import { createRollupJob } from '../../collector/dist/store/rollups.js';
import { measureRollupCost } from './rollup-cost.js';
import { measureSearchIndexCost } from './search-index-cost.js';
import { explainSearches, measureSearchDictionaries } from './search-stages.js';
import { measureLookupFloor } from './lookup-floor.js';

const SELF = fileURLToPath(import.meta.url);

/**
 * Generates the dataset into `dataDir` from a child process (and exports the
 * CSV files for PostgreSQL when `files` is given).
 *
 * @returns {Promise<{ steps: number, executions: number, stepBytes: number, stepParts: number, generateMillis: number }>}
 */
export async function generateInChild(options) {
  const { stdout } = await promisify(execFile)(process.execPath, [SELF, JSON.stringify(options)], { maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.startsWith('GENERATED '));
  if (!line) throw new Error(`the dataset generator printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('GENERATED '.length));
}

async function main(options) {
  const backend = await createBackend({ kind: 'embedded', dataDir: options.dataDir });
  try {
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    const start = process.hrtime.bigint();
    await backend.command(insertExecutionsSql(), options.params);
    await backend.command(insertStepsSql(), options.params);
    // What the collector's rollup job would have folded in while these rows arrived (migration 0170).
    await createRollupJob(backend, { intervalMillis: 0, lagMillis: 0 }).run();
    const generateMillis = Number(process.hrtime.bigint() - start) / 1e6;
    // The settled state (migration 0160): the collector merges each past day into one part an hour
    // after its last write; a freshly generated dataset is brought there at once, the way PostgreSQL's
    // side gets its indexes built after the load and a VACUUM ANALYZE.
    const settleStart = process.hrtime.bigint();
    if (options.settle) {
      for (const table of ['executions', 'steps']) await backend.command(`OPTIMIZE TABLE ${table} FINAL SETTINGS optimize_skip_merged_partitions = 1`);
    }
    const settleMillis = Number(process.hrtime.bigint() - settleStart) / 1e6;
    const [counts] = await backend.query(
      `SELECT (SELECT count() FROM steps) AS steps, (SELECT count() FROM executions) AS executions,
  (SELECT sum(bytes_on_disk) FROM system.parts WHERE table = 'steps' AND active) AS step_bytes,
  (SELECT count() FROM system.parts WHERE table = 'steps' AND active) AS step_parts`,
    );
    const rollupCost = options.rollupCost ? await measureRollupCost(backend, options.rollupCost) : undefined;
    const searchExplain = options.searchExplain ? await explainSearches(backend, options.searchExplain) : undefined;
    const searchDictionaries = options.searchDictionaries ? await measureSearchDictionaries(backend, options.searchDictionaries) : undefined;
    const lookupFloor = options.lookupFloor ? await measureLookupFloor(backend, options.lookupFloor) : undefined;
    const searchIndexCost = options.searchIndexCost ? await measureSearchIndexCost(backend, options.searchIndexCost) : undefined;
    if (options.files) {
      await backend.command(`${EXPORT_EXECUTIONS_SQL} INTO OUTFILE '${options.files.executions}' FORMAT CSV`);
      await backend.command(`${EXPORT_STEPS_SQL} INTO OUTFILE '${options.files.steps}' FORMAT CSV`);
    }
    process.stdout.write(`GENERATED ${JSON.stringify({
      steps: Number(counts.steps), executions: Number(counts.executions), stepBytes: Number(counts.step_bytes), stepParts: Number(counts.step_parts), generateMillis, settleMillis, rollupCost, searchIndexCost, searchExplain, searchDictionaries, lookupFloor,
    })}\n`);
  } finally {
    await backend.close();
  }
}

if (process.argv[1] === SELF) await main(JSON.parse(process.argv[2]));
