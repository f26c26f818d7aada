/**
 * What step search's text indexes cost an insert (issue 10 item 4, issue 11
 * item 2): the same steps inserted into copies of `steps` that differ only
 * in their search indexes.
 *
 * - no search index: the baseline;
 * - migration 0100: four `text` indexes, on lower(reasoning),
 *   lower(error_message), lower(input), lower(output) (the design before
 *   migration 0140, defined here so it is measured in every run);
 * - as shipped: the text indexes `steps` has now (read from the engine).
 *
 * The rows are the newest generated steps (a batch of live traffic covers
 * one or two day partitions), inserted through the collector's own embedded
 * backend `insert()` (JSONCompactEachRow, the collector's encoding) in
 * batches of the collector's typical size. No view is attached to the
 * copies, and merges are stopped on every table while this runs (the parts
 * stay as inserted, so bytes compare, and no background merge of the freshly
 * generated tables lands in one configuration's CPU time). Configurations
 * alternate round by round after a warm-up round; medians. CPU is counted
 * twice: the process's (chDB runs in it, its threads included, the same
 * JSON encoding on every side) and the engine's own for the INSERT
 * statements (`system.events` UserTimeMicroseconds + SystemTimeMicroseconds
 * around them).
 */
import os from 'node:os';
import { median } from './stats.js';

const PROBE = 'steps_search_probe';
const TEXT = 'TYPE text(tokenizer = splitByNonAlpha)';
/** Migration 0100's search indexes, as it declared them. */
export const MIGRATION_0100_INDEXES = [
  `reasoning_words lower(reasoning) ${TEXT}`,
  `error_message_words lower(error_message) ${TEXT}`,
  `input_words lower(input) ${TEXT}`,
  `output_words lower(output) ${TEXT}`,
];

async function engineCpuSeconds(backend) {
  const rows = await backend.query(
    `SELECT event, value FROM system.events WHERE event IN ('UserTimeMicroseconds', 'SystemTimeMicroseconds')`,
  );
  return rows.reduce((sum, row) => sum + Number(row.value), 0) / 1e6;
}

/**
 * The `text` indexes `steps` has as shipped, read from the engine: name, expression, type and granularity.
 *
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend
 * @returns {Promise<{ name: string, expr: string, type_full: string, granularity: number }[]>}
 */
export function shippedTextIndexes(backend) {
  return backend.query(
    `SELECT name, expr, type_full, granularity FROM system.data_skipping_indices
WHERE database = currentDatabase() AND table = 'steps' AND type = 'text' ORDER BY name`,
  );
}

/**
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend the generation engine (embedded)
 * @param {{ steps?: number, batchRows?: number, rounds?: number, designs?: Record<string, string[]> }} [options]
 *   designs: extra configurations (label -> index definitions), for exploring alternatives
 * @returns {Promise<{ rows: string[][], stepsPerRound: number, batchRows: number, rounds: number, results: Record<string, object>, load: number }>}
 */
export async function measureSearchIndexCost(backend, options = {}) {
  const stepCount = options.steps ?? 50_000;
  const batchRows = options.batchRows ?? 4_000;
  const rounds = options.rounds ?? 5;
  const shipped = await shippedTextIndexes(backend);
  const shippedNames = shipped.map((index) => String(index.name));
  const configurations = [
    { label: 'no search index (baseline)', indexes: [] },
    { label: 'migration 0100: 4 text indexes (r, e, i, o)', indexes: MIGRATION_0100_INDEXES },
    {
      label: `as shipped: ${shipped.length} text index${shipped.length === 1 ? '' : 'es'} (${shippedNames.join(', ')})`,
      indexes: shipped.map((index) => `${index.name} ${index.expr} TYPE ${index.type_full} GRANULARITY ${index.granularity}`),
    },
    ...Object.entries(options.designs ?? {}).map(([label, indexes]) => ({ label, indexes })),
  ];
  const steps = await backend.query(
    `SELECT * FROM steps ORDER BY start_time DESC, execution_id, span_id LIMIT {n:UInt64}`,
    { n: stepCount },
  );
  // Every text index of the copy goes, migration 0100's names included (a fresh engine ran 0100 before 0140).
  const dropAll = [...new Set([...shippedNames, ...MIGRATION_0100_INDEXES.map((definition) => definition.split(' ')[0])])];

  const create = async (indexes) => {
    await backend.command(`DROP TABLE IF EXISTS ${PROBE}`);
    await backend.command(`CREATE TABLE ${PROBE} AS steps`);
    for (const name of dropAll) await backend.command(`ALTER TABLE ${PROBE} DROP INDEX IF EXISTS ${name}`);
    for (const definition of indexes) await backend.command(`ALTER TABLE ${PROBE} ADD INDEX ${definition}`);
  };
  const insertAll = async () => {
    const engineStart = await engineCpuSeconds(backend);
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < steps.length; i += batchRows) await backend.insert(PROBE, steps.slice(i, i + batchRows));
    const wall = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    const engine = (await engineCpuSeconds(backend)) - engineStart;
    const [size] = await backend.query(
      `SELECT sum(bytes_on_disk) AS bytes, sum(secondary_indices_compressed_bytes) AS index_bytes, count() AS parts
FROM system.parts WHERE database = currentDatabase() AND table = '${PROBE}' AND active`,
    );
    return { wall, cpu: (cpu.user + cpu.system) / 1e6, engine, bytes: Number(size.bytes), indexBytes: Number(size.index_bytes), parts: Number(size.parts) };
  };

  const samples = new Map(configurations.map((configuration) => [configuration.label, []]));
  const loadBefore = os.loadavg()[0];
  await backend.command('SYSTEM STOP MERGES');
  try {
    // Round 0 is a warm-up (caches, first parts), not counted.
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 === 0 ? configurations : [...configurations].reverse();
      for (const configuration of order) {
        await create(configuration.indexes);
        const spent = await insertAll();
        if (round > 0) samples.get(configuration.label).push(spent);
      }
    }
  } finally {
    await backend.command(`DROP TABLE IF EXISTS ${PROBE}`);
    await backend.command('SYSTEM START MERGES');
  }

  const load = (loadBefore + os.loadavg()[0]) / 2;
  const summary = (label) => {
    const runs = samples.get(label);
    const pick = (key) => median(runs.map((run) => run[key]));
    return { cpu: pick('cpu'), engine: pick('engine'), wall: pick('wall'), bytes: pick('bytes'), indexBytes: pick('indexBytes'), parts: pick('parts'), cpuRuns: runs.map((run) => run.cpu), engineRuns: runs.map((run) => run.engine) };
  };
  const base = summary(configurations[0].label);
  const results = {};
  const rows = configurations.map((configuration) => {
    const s = summary(configuration.label);
    results[configuration.label] = {
      ...s,
      cpuVsBaseline: s.cpu / base.cpu,
      engineVsBaseline: s.engine / base.engine,
      bytesPerStep: s.bytes / steps.length,
      indexBytesPerStep: s.indexBytes / steps.length,
    };
    return [
      configuration.label,
      s.cpu.toFixed(2),
      `${(s.cpu / base.cpu).toFixed(2)}x`,
      s.engine.toFixed(2),
      `${(s.engine / base.engine).toFixed(2)}x`,
      (steps.length / s.cpu).toFixed(0),
      (s.bytes / steps.length).toFixed(1),
      (s.indexBytes / steps.length).toFixed(1),
    ];
  });
  return { rows, stepsPerRound: steps.length, batchRows, rounds, results, load };
}
