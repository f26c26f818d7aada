/**
 * What a merge of `steps` parts costs in engine memory, by compressed block
 * size (migration 0180: 256 KiB instead of the 1 MiB default) and merge
 * algorithm (migration 0190: vertical, one column at a time, at any size;
 * ClickHouse's default starts at 131,072 rows); issue 10 item 6. Not a
 * section: a probe to run by hand, about a minute.
 *
 *   npm run build && node bench/lib/merge-memory.js [--parts 8] [--rows 8000] [--rounds 3]
 *
 * One engine with the collector's migrations; for each variant a copy of
 * `steps` (its settings, then `max_compress_block_size` and the vertical
 * merge threshold set) with merges
 * stopped receives the same `--parts` inserts of `--rows` rows (the bench's
 * ingest workload through the collector's own decoder, mapping and
 * encoding). Then, one copy at a time, merges start and `system.merges` is
 * polled every 20 ms until the copy is one part: the merge's peak
 * `memory_usage`, its wall time and the bytes per row it wrote. Rounds
 * alternate the block sizes; medians are printed.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { toJsonCompactEachRow } from '../../collector/dist/store/row-encoding.js';
import { openRawEngine } from './engine.js';
import { formatFixed, formatInt } from './format.js';
import { ingestStepRows } from './otlp-requests.js';
import { median } from './stats.js';

/** Block size and the rows a merge needs before it goes vertical (131,072: the engine's default; 1: migration 0190). */
const VARIANTS = [
  { label: '1 MiB blocks, horizontal', blockSize: 1_048_576, verticalFromRows: 131_072 },
  { label: '256 KiB blocks, horizontal (0180)', blockSize: 262_144, verticalFromRows: 131_072 },
  { label: '256 KiB blocks, vertical (0190)', blockSize: 262_144, verticalFromRows: 1 },
  { label: '64 KiB blocks, horizontal', blockSize: 65_536, verticalFromRows: 131_072 },
];

/** Polls the copy's merges until it is one part; the peak memory seen, in bytes. */
async function mergeToOnePart(engine, table) {
  const started = Date.now();
  let peak = 0;
  await engine.query(`SYSTEM START MERGES ${table}`);
  for (;;) {
    const [row] = await engine.query(
      `SELECT (SELECT max(memory_usage) FROM system.merges WHERE table = '${table}') AS memory,
              (SELECT count() FROM system.merges WHERE table = '${table}') AS running,
              (SELECT count() FROM system.parts WHERE table = '${table}' AND active) AS parts`,
    );
    peak = Math.max(peak, Number(row.memory));
    if (Number(row.parts) === 1 && Number(row.running) === 0) break;
    if (Date.now() - started > 120_000) throw new Error(`${table} was not merged into one part within 2 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { peak, millis: Date.now() - started };
}

async function main() {
  const { values } = parseArgs({ options: { parts: { type: 'string', default: '8' }, rows: { type: 'string', default: '8000' }, rounds: { type: 'string', default: '3' } } });
  const parts = Number(values.parts);
  const rowsPerPart = Number(values.rows);
  const rounds = Number(values.rounds);
  const rows = ingestStepRows(parts * rowsPerPart);
  const payloads = Array.from({ length: parts }, (_, p) => toJsonCompactEachRow(rows.slice(p * rowsPerPart, (p + 1) * rowsPerPart)));
  const engine = await openRawEngine();
  const results = new Map(VARIANTS.map((variant) => [variant, { peaks: [], millis: [], bytesPerRow: [] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const [index, variant] of order.entries()) {
        const table = `steps_merge_probe_${index}`;
        await engine.query(`DROP TABLE IF EXISTS ${table}`);
        await engine.query(`CREATE TABLE ${table} AS steps`);
        await engine.query(
          `ALTER TABLE ${table} MODIFY SETTING max_compress_block_size = ${variant.blockSize}, vertical_merge_algorithm_min_rows_to_activate = ${variant.verticalFromRows}`,
        );
        await engine.query(`SYSTEM STOP MERGES ${table}`);
        for (const payload of payloads) await engine.insertPayload(table, payload);
        const { peak, millis } = await mergeToOnePart(engine, table);
        const [stored] = await engine.query(`SELECT sum(data_compressed_bytes) / sum(rows) AS per_row FROM system.parts WHERE table = '${table}' AND active`);
        const result = results.get(variant);
        result.peaks.push(peak);
        result.millis.push(millis);
        result.bytesPerRow.push(Number(stored.per_row));
        await engine.query(`DROP TABLE ${table}`);
        process.stderr.write(`[merge-memory] round ${round + 1}/${rounds}, ${variant.label}: peak ${formatFixed(peak / 1048576, 0)} MB, ${millis} ms\n`);
      }
    }
  } finally {
    engine.close();
  }
  console.log(`merging ${parts} parts of ${formatInt(rowsPerPart)} steps into one, median of ${rounds} rounds`);
  console.log('variant                            merge peak MB  merge ms  bytes/row on disk');
  for (const [variant, result] of results) {
    console.log(
      `${variant.label.padEnd(33)}  ${formatFixed(median(result.peaks) / 1048576, 0).padStart(13)}  ${formatInt(median(result.millis)).padStart(8)}  ${formatFixed(median(result.bytesPerRow), 1).padStart(17)}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
