/**
 * What the embedded engine's allocator decay costs and saves on inserts
 * (`JE_MALLOC_CONF`, collector/src/store/engine-allocator.ts; issue 10 item
 * 6). What it costs queries is in bench/README.md ("Latest figures"). Not a
 * section: a probe to run by hand, a few minutes.
 *
 *   npm run build && node bench/lib/allocator-decay.js [--batches 40] [--rows 4000] [--rounds 3]
 *
 * jemalloc reads its options once, when the engine loads, so every setting
 * runs in its own child process: a fresh engine with the collector's
 * migrations receives the same `--batches` inserts of `--rows` steps (the
 * bench's ingest workload through the collector's own decoder, mapping and
 * encoding) into `steps`, merges running as they do in the collector. Per
 * run: the process CPU per inserted row (the engine's merges included), and
 * after each insert the allocator's resident bytes and its dirty bytes (freed
 * by the engine, not yet returned to the OS). The rows are built in the child
 * before the engine runs, so its own heap stays out of the figures. Rounds alternate the settings; medians are printed.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ENGINE_ALLOCATOR_ENV, parseAllocatorStats } from '../../collector/dist/store/engine-allocator.js';
import { toJsonCompactEachRow } from '../../collector/dist/store/row-encoding.js';
import { formatFixed } from './format.js';
import { ingestStepRows } from './otlp-requests.js';
import { median } from './stats.js';

/** 5000 is what chDB's build sets (and the collector keeps); 500 an operator's shorter choice; 0 returns memory at once. */
const DECAYS = [5000, 1000, 500, 0];
const SELF = fileURLToPath(import.meta.url);

/** One run, in a child whose engine loaded with the decay asked for: prints its figures as JSON. */
async function child(batches, rowsPerBatch) {
  // Loaded here, after the parent set JE_MALLOC_CONF for this process.
  const { openRawEngine } = await import('./engine.js');
  const rows = ingestStepRows(batches * rowsPerBatch);
  const payloads = Array.from({ length: batches }, (_, b) => toJsonCompactEachRow(rows.slice(b * rowsPerBatch, (b + 1) * rowsPerBatch)));
  const engine = await openRawEngine();
  const dirty = [];
  const resident = [];
  let insertCpu = 0;
  try {
    for (const payload of payloads) {
      const before = process.cpuUsage();
      await engine.insertPayload('steps', payload);
      const used = process.cpuUsage(before);
      insertCpu += used.user + used.system;
      const [row] = await engine.query('SELECT stats FROM system.jemalloc_stats');
      const allocator = parseAllocatorStats(String(row.stats));
      dirty.push((allocator?.dirtyBytes ?? Number.NaN) / 1048576);
      resident.push((allocator?.residentBytes ?? Number.NaN) / 1048576);
    }
  } finally {
    engine.close();
  }
  console.log(JSON.stringify({ cpuMicrosPerRow: insertCpu / (batches * rowsPerBatch), residentMb: resident, dirtyMb: dirty }));
}

function runChild(decay, args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SELF, '--child', ...args], { env: { ...process.env, [ENGINE_ALLOCATOR_ENV]: `dirty_decay_ms:${decay}` }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`child for dirty_decay_ms:${decay} exited ${code}`))));
  });
}

async function main() {
  const { values } = parseArgs({ options: { batches: { type: 'string', default: '40' }, rows: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '3' }, child: { type: 'boolean', default: false } } });
  const batches = Number(values.batches);
  const rowsPerBatch = Number(values.rows);
  if (values.child) return child(batches, rowsPerBatch);
  const rounds = Number(values.rounds);
  const results = new Map(DECAYS.map((decay) => [decay, []]));
  const loads = [os.loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    for (const decay of round % 2 === 0 ? DECAYS : [...DECAYS].reverse()) {
      const result = await runChild(decay, ['--batches', String(batches), '--rows', String(rowsPerBatch)]);
      results.get(decay).push(result);
      process.stderr.write(`[allocator-decay] round ${round + 1}/${rounds}, dirty_decay_ms:${decay}: ${formatFixed(result.cpuMicrosPerRow, 2)} us/row, allocator resident max ${formatFixed(Math.max(...result.residentMb), 0)} MB\n`);
    }
    loads.push(os.loadavg()[0]);
  }
  console.log(`${batches} inserts of ${rowsPerBatch} steps into a fresh engine per run, median of ${rounds} rounds, load average ${loads.map((load) => load.toFixed(2)).join(' -> ')}`);
  console.log('JE_MALLOC_CONF        insert CPU us/row  vs 5000  allocator resident MB, median / max  dirty MB, median / max');
  const base = median(results.get(5000).map((result) => result.cpuMicrosPerRow));
  for (const [decay, runs] of results) {
    const cpu = median(runs.map((result) => result.cpuMicrosPerRow));
    const dirty = runs.flatMap((result) => result.dirtyMb);
    const resident = runs.flatMap((result) => result.residentMb);
    const medianMax = (values) => `${formatFixed(median(values), 0)} / ${formatFixed(Math.max(...values), 0)}`;
    console.log(`${`dirty_decay_ms:${decay}`.padEnd(20)}  ${formatFixed(cpu, 2).padStart(17)}  ${`${formatFixed(cpu / base, 2)}x`.padStart(7)}  ${medianMax(resident).padStart(36)}  ${medianMax(dirty)}`);
  }
}

if (process.argv[1] === SELF) await main();
