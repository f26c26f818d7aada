/**
 * Where an insert into `steps` spends its CPU at small batch sizes (issue 10
 * item 4): the same rows inserted into `steps` (its materialized view to
 * `execution_days` attached) and into copies of it without the view, without
 * its two text indexes too, and without any skip index. Not a section: a
 * probe to run by hand, about a minute.
 *
 *   npm run build && node bench/lib/insert-fixed-cost.js [--rows 200,2000,7000] [--batches 16] [--rounds 4]
 *
 * One engine with the collector's migrations, merges stopped on every table
 * (so only the inserts are timed); per batch size, `--batches` inserts of the
 * bench's ingest workload (through the collector's own decoder, mapping and
 * encoding), rounds alternating the tables. Prints the process CPU per insert
 * (the engine runs in this process) and what each feature adds to it.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { toJsonCompactEachRow } from '../../collector/dist/store/row-encoding.js';
import { openRawEngine } from './engine.js';
import { formatFixed, formatInt } from './format.js';
import { ingestStepRows } from './otlp-requests.js';
import { median } from './stats.js';

const TABLES = [
  { name: 'steps', label: 'steps as shipped (view to execution_days attached)' },
  { name: 'probe_no_view', label: 'a copy: no view' },
  { name: 'probe_no_text', label: 'a copy: no view, no text index' },
  { name: 'probe_no_index', label: 'a copy: no view, no skip index' },
];

async function main() {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '200,2000,7000' }, batches: { type: 'string', default: '16' }, rounds: { type: 'string', default: '4' } } });
  const sizes = values.rows.split(',').map(Number);
  const batches = Number(values.batches);
  const rounds = Number(values.rounds);
  const largest = Math.max(...sizes);
  const rows = ingestStepRows(batches * largest);
  const engine = await openRawEngine();
  const loads = [os.loadavg()[0]];
  const lines = [];
  try {
    const indexes = await engine.query(`SELECT name, type FROM system.data_skipping_indices WHERE database = currentDatabase() AND table = 'steps'`);
    for (const { name } of TABLES.slice(1)) await engine.query(`CREATE TABLE ${name} AS steps`);
    for (const index of indexes) {
      if (index.type === 'text') await engine.query(`ALTER TABLE probe_no_text DROP INDEX ${index.name}`);
      await engine.query(`ALTER TABLE probe_no_index DROP INDEX ${index.name}`);
    }
    for (const { name } of TABLES) await engine.query(`SYSTEM STOP MERGES ${name}`);
    for (const size of sizes) {
      const payloads = Array.from({ length: batches }, (_, b) => toJsonCompactEachRow(rows.slice(b * size, (b + 1) * size)));
      const results = new Map(TABLES.map((table) => [table, []]));
      for (let round = 0; round < rounds; round++) {
        for (const table of round % 2 === 0 ? TABLES : [...TABLES].reverse()) {
          await engine.query(`TRUNCATE TABLE ${table.name}`);
          let micros = 0;
          for (const payload of payloads) {
            const before = process.cpuUsage();
            await engine.insertPayload(table.name, payload);
            const used = process.cpuUsage(before);
            micros += used.user + used.system;
          }
          results.get(table).push(micros / batches / 1000);
        }
      }
      loads.push(os.loadavg()[0]);
      const millis = TABLES.map((table) => median(results.get(table)));
      lines.push(`${formatInt(size)}-row inserts: ${TABLES.map((table, i) => `${table.label} ${formatFixed(millis[i], 1)} ms`).join('; ')}`);
      lines.push(
        `   -> the view ${formatFixed(millis[0] - millis[1], 1)} ms, the text indexes ${formatFixed(millis[1] - millis[2], 1)} ms, the other skip indexes ${formatFixed(millis[2] - millis[3], 1)} ms, the part itself ${formatFixed(millis[3], 1)} ms (${formatFixed((millis[3] * 1000) / size, 1)} us/row) per insert`,
      );
      process.stderr.write(`[insert-fixed-cost] ${formatInt(size)}-row inserts done\n`);
    }
  } finally {
    engine.close();
  }
  console.log(`process CPU per insert into steps, median of ${rounds} alternating rounds of ${batches} inserts, merges stopped; load average ${loads.map((load) => load.toFixed(2)).join(' -> ')}`);
  for (const line of lines) console.log(line);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
