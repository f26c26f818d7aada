/**
 * What a merge of `steps` parts costs in engine memory, by compressed block
 * size (migration 0180: 256 KiB instead of the 1 MiB default; issue 10 item
 * 6). Not a section: a probe to run by hand, about a minute.
 *
 *   npm run build && node bench/lib/merge-memory.js [--parts 8] [--rows 8000] [--rounds 3]
 *
 * One engine with the collector's migrations; for each block size a copy of
 * `steps` (its settings, then `max_compress_block_size` set) with merges
 * stopped receives the same `--parts` inserts of `--rows` rows (the bench's
 * ingest workload through the collector's own decoder, mapping and
 * encoding). Then, one copy at a time, merges start and `system.merges` is
 * polled every 20 ms until the copy is one part: the merge's peak
 * `memory_usage`, its wall time and the bytes per row it wrote. Rounds
 * alternate the block sizes; medians are printed.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeProtobufTraces } from '../../collector/dist/otlp/index.js';
import { spansToRows } from '../../collector/dist/model/span-to-rows.js';
import { toJsonCompactEachRow } from '../../collector/dist/store/row-encoding.js';
import { openRawEngine } from './engine.js';
import { formatFixed, formatInt } from './format.js';
import { buildExecutions, encodeRequests } from './otlp-requests.js';
import { median } from './stats.js';

const BLOCK_SIZES = [1_048_576, 262_144, 65_536];

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
  const built = buildExecutions({ executionCount: Math.ceil((parts * rowsPerPart) / 500), stepsPerExecution: 500, appId: 'bench' });
  const rows = encodeRequests(built.spans, 'protobuf').flatMap((body) => spansToRows('bench', decodeProtobufTraces(body).spans).steps);
  const payloads = Array.from({ length: parts }, (_, p) => toJsonCompactEachRow(rows.slice(p * rowsPerPart, (p + 1) * rowsPerPart)));
  const engine = await openRawEngine();
  const results = new Map(BLOCK_SIZES.map((size) => [size, { peaks: [], millis: [], bytesPerRow: [] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? BLOCK_SIZES : [...BLOCK_SIZES].reverse();
      for (const size of order) {
        const table = `steps_merge_probe_${size}`;
        await engine.query(`DROP TABLE IF EXISTS ${table}`);
        await engine.query(`CREATE TABLE ${table} AS steps`);
        await engine.query(`ALTER TABLE ${table} MODIFY SETTING max_compress_block_size = ${size}`);
        await engine.query(`SYSTEM STOP MERGES ${table}`);
        for (const payload of payloads) await engine.insertPayload(table, payload);
        const { peak, millis } = await mergeToOnePart(engine, table);
        const [stored] = await engine.query(`SELECT sum(data_compressed_bytes) / sum(rows) AS per_row FROM system.parts WHERE table = '${table}' AND active`);
        const result = results.get(size);
        result.peaks.push(peak);
        result.millis.push(millis);
        result.bytesPerRow.push(Number(stored.per_row));
        await engine.query(`DROP TABLE ${table}`);
        process.stderr.write(`[merge-memory] round ${round + 1}/${rounds}, ${formatInt(size)}-byte blocks: peak ${formatFixed(peak / 1048576, 0)} MB, ${millis} ms\n`);
      }
    }
  } finally {
    engine.close();
  }
  console.log(`merging ${parts} parts of ${formatInt(rowsPerPart)} steps into one, median of ${rounds} rounds`);
  console.log('max_compress_block_size  merge peak MB  merge ms  bytes/row on disk');
  for (const [size, result] of results) {
    console.log(
      `${formatInt(size).padStart(23)}  ${formatFixed(median(result.peaks) / 1048576, 0).padStart(13)}  ${formatInt(median(result.millis)).padStart(8)}  ${formatFixed(median(result.bytesPerRow), 1).padStart(17)}`,
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
