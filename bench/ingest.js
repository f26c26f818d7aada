/**
 * `ingest`: steps per second from OTLP/HTTP requests, through the collector,
 * into embedded ClickHouse; against a raw insert of the same rows straight
 * into the same engine.
 *
 * Collector: `collector/dist/main.js` in a child process on a fresh data
 * folder. Each 1,000-step execution is one request (as the SDK sends it),
 * encoded before timing with the official OTLP serializers; N clients post
 * them over keep-alive connections. Wall time runs from the first request to
 * the last 200, and a 200 means stored (the collector answers only after its
 * insert), so steps/s = steps / wall time. Row counts are checked afterwards
 * through the admin SQL API.
 *
 * Raw baseline: the rows the collector's own decoder and spansToRows produce
 * from the same requests, encoded as JSONCompactEachRow (the collector's own
 * encoder) before timing, inserted by a
 * chDB Session in this process on a fresh folder with the same migrations,
 * grouped into batches the way the collector's batcher groups requests
 * (whole requests until 20,000 rows), one insert at a time. A second raw run
 * uses batches as small as the collector actually made, which separates the
 * cost of small batches from the cost of the collector's own work; and the
 * collector's per-span CPU stages (decode, map, encode) are timed in-process.
 * With --profile, one extra, uncounted collector run is CPU-profiled.
 */
import { decodeJsonTraces, decodeProtobufTraces } from '../collector/dist/otlp/index.js';
import { spansToRows } from '../collector/dist/model/span-to-rows.js';
import { createPriceLookup, estimateCosts } from '../collector/dist/cost/index.js';
import { toJsonCompactEachRow } from '../collector/dist/store/chdb-backend.js';
import { createTempDir } from './lib/cleanup.js';
import { metricValue, startCollector } from './lib/collector-process.js';
import { summarizeCpuProfiles } from './lib/cpu-profile.js';
import { openRawEngine } from './lib/engine.js';
import { formatBytes, formatFixed, formatInt, formatRatio, progress, verdict } from './lib/format.js';
import { postConcurrently } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median } from './lib/stats.js';

/** The collector's default XRAY_BATCH_MAX_ROWS; the baseline batches the same way. */
const COLLECTOR_BATCH_ROWS = 20_000;
/** The app the collector files rows under (XRAY_DEFAULT_APP's default). */
const APP_ID = 'default';
const TARGET_RATIO = 0.5;
/** Issue 10 item 4: against a raw insert of the same rows in the collector's own batch size. */
const TARGET_SAME_BATCH_RATIO = 0.8;

/**
 * Groups requests into insert batches the way the collector's batcher does
 * when it is saturated: whole requests, until at least `batchRows` rows.
 *
 * @param {{ executions: object[], steps: object[] }[]} requestRows
 * @param {number} batchRows
 */
function toBatches(requestRows, batchRows) {
  const batches = [];
  let current = { executions: [], steps: [], rows: 0 };
  for (const rows of requestRows) {
    current.executions.push(...rows.executions);
    current.steps.push(...rows.steps);
    current.rows += rows.executions.length + rows.steps.length;
    if (current.rows >= batchRows) {
      batches.push(current);
      current = { executions: [], steps: [], rows: 0 };
    }
  }
  if (current.rows > 0) batches.push(current);
  return batches;
}

/** The collector's embedded backend's own encoding (JSONCompactEachRow, the fastest format chDB's insert takes). */
const toPayload = toJsonCompactEachRow;

/** Rows of the requests, through the collector's own decoder and mapping. */
function rowsOf(bodies) {
  return bodies.map((body) => spansToRows(APP_ID, decodeProtobufTraces(body).spans));
}

async function countRows(query) {
  const [steps] = await query('SELECT count() AS n FROM steps');
  const [executions] = await query('SELECT count() AS n FROM executions');
  return { steps: Number(steps.n), executions: Number(executions.n) };
}

/** One baseline run on a fresh engine: untimed warm-up batch, then the timed batches. */
async function runRawOnce(warmupPayloads, payloads, expected) {
  const engine = await openRawEngine();
  try {
    for (const batch of warmupPayloads) {
      await engine.insertPayload('steps', batch.steps);
      await engine.insertPayload('executions', batch.executions);
    }
    const start = process.hrtime.bigint();
    for (const batch of payloads) {
      // Steps before executions, as the batcher does.
      await engine.insertPayload('steps', batch.steps);
      await engine.insertPayload('executions', batch.executions);
    }
    const wallMillis = Number(process.hrtime.bigint() - start) / 1e6;
    const counts = await countRows(engine.query);
    if (counts.steps !== expected.steps || counts.executions !== expected.executions) {
      throw new Error(`raw baseline stored ${counts.steps} steps / ${counts.executions} executions, expected ${expected.steps} / ${expected.executions}`);
    }
    return wallMillis;
  } finally {
    engine.close();
  }
}

/** One collector run on a fresh collector: untimed warm-up requests, then the timed ones. */
async function runCollectorOnce(format, warmupBodies, bodies, expected, options) {
  const collector = await startCollector({ cpuProfileDir: options.cpuProfileDir });
  try {
    const headers = { 'content-type': CONTENT_TYPES[format], authorization: `Bearer ${collector.apiKey}` };
    const warm = await postConcurrently({ url: `${collector.url}/v1/traces`, bodies: warmupBodies, concurrency: options.concurrency, headers });
    if (warm.firstFailure) throw new Error(`warm-up request failed: ${warm.firstFailure}`);
    const before = await collector.metrics();
    const run = await postConcurrently({ url: `${collector.url}/v1/traces`, bodies, concurrency: options.concurrency, headers });
    if (run.firstFailure) throw new Error(`${format} ingest: not every request got a 200 (${[...run.statuses].map(([s, n]) => `${n}x${s}`).join(', ')}); first: ${run.firstFailure}`);
    const after = await collector.metrics();
    const counts = await countRows((sql) => collector.sql(sql));
    if (counts.steps !== expected.steps || counts.executions !== expected.executions) {
      throw new Error(`collector stored ${counts.steps} steps / ${counts.executions} executions, expected ${expected.steps} / ${expected.executions}`);
    }
    const delta = (name) => metricValue(after, name) - metricValue(before, name);
    return {
      wallMillis: run.wallMillis,
      insertBatches: delta('xray_insert_batch_rows_count'),
      insertRows: delta('xray_insert_batch_rows_sum'),
      insertSeconds: delta('xray_insert_batch_duration_seconds_sum'),
    };
  } finally {
    await collector.stop();
  }
}

/**
 * The collector's own per-request CPU work, stage by stage, in this process
 * on the same requests: what one core can do at most before ClickHouse does
 * anything. One untimed pass, then the median of three.
 */
function measureStages(encoded, sampleCount) {
  const pb = encoded.protobuf.bodies.slice(0, sampleCount);
  const js = encoded.json.bodies.slice(0, sampleCount);
  const spans = pb.reduce((sum, body) => sum + decodeProtobufTraces(body).spans.length, 0);
  const time = (fn) => {
    fn();
    const samples = [];
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      fn();
      samples.push(Number(process.hrtime.bigint() - start) / 1e3 / spans);
    }
    return median(samples);
  };
  const decodedPb = pb.map((body) => decodeProtobufTraces(body));
  const rows = decodedPb.map((decoded) => spansToRows(APP_ID, decoded.spans));
  // The price table (XRAY_PRICE_TABLE): every tenth step is a gpt-4o-mini call; without its reported
  // cost, the table prices it. Both sides of the comparison map the same spans without the cost.
  const lookup = createPriceLookup({ models: [{ model: 'gpt-4o-mini*', inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 }] });
  const withoutCost = decodedPb.map((decoded) =>
    decoded.spans.map((span) => {
      if (!('xray.step.cost_usd' in span.attributes)) return span;
      const { 'xray.step.cost_usd': _cost, ...attributes } = span.attributes;
      return { ...span, attributes };
    }),
  );
  const priced = withoutCost.flatMap((spans) => estimateCosts(spansToRows(APP_ID, spans), lookup).steps);
  if (!priced.some((step) => step.cost_source === 'estimated')) throw new Error('the price table priced no step: the workload changed');
  return {
    spans,
    decodeProtobufMicros: time(() => pb.map((body) => decodeProtobufTraces(body))),
    decodeJsonMicros: time(() => js.map((body) => decodeJsonTraces(body))),
    spansToRowsMicros: time(() => decodedPb.map((decoded) => spansToRows(APP_ID, decoded.spans))),
    spansToRowsUnpricedMicros: time(() => withoutCost.map((spans) => spansToRows(APP_ID, spans))),
    spansToRowsPricedMicros: time(() => withoutCost.map((spans) => estimateCosts(spansToRows(APP_ID, spans), lookup))),
    jsonEachRowMicros: time(() => rows.map((batch) => [toPayload(batch.steps), toPayload(batch.executions)])),
  };
}

/**
 * @param {{ quick: boolean, profile: boolean }} options
 */
export async function runIngest(options) {
  const executionCount = options.quick ? 20 : 100;
  const warmupCount = 4;
  const stepsPerExecution = 1000;
  const concurrency = 8;
  const rounds = options.quick ? 1 : 5;
  const totalSteps = executionCount * stepsPerExecution;

  progress(`ingest: building ${executionCount + warmupCount} executions of ${stepsPerExecution} steps as OTel spans`);
  const built = buildExecutions({ executionCount: executionCount + warmupCount, stepsPerExecution, appId: APP_ID });
  const warmupSpans = built.spans.slice(0, warmupCount);
  const measuredSpans = built.spans.slice(warmupCount);
  const encoded = {};
  for (const format of ['protobuf', 'json']) {
    encoded[format] = { warmup: encodeRequests(warmupSpans, format), bodies: encodeRequests(measuredSpans, format) };
  }
  built.spans.length = 0;
  const avgBytes = (format) => encoded[format].bodies.reduce((sum, body) => sum + body.length, 0) / executionCount;
  progress(`ingest: request size protobuf ${formatBytes(avgBytes('protobuf'))}, json ${formatBytes(avgBytes('json'))}`);

  progress('ingest: mapping the same requests to rows with the collector decoder + spansToRows (baseline input)');
  const measuredRows = rowsOf(encoded.protobuf.bodies);
  const warmupRows = rowsOf(encoded.protobuf.warmup);
  const expected = {
    steps: (executionCount + warmupCount) * stepsPerExecution,
    executions: executionCount + warmupCount,
  };
  const storedSteps = measuredRows.reduce((sum, rows) => sum + rows.steps.length, 0);
  if (storedSteps !== totalSteps) throw new Error(`spansToRows gave ${storedSteps} step rows, expected ${totalSteps}`);
  const encodePayloads = (batches) => batches.map((batch) => ({ steps: toPayload(batch.steps), executions: toPayload(batch.executions), rows: batch.rows }));
  const payloads = encodePayloads(toBatches(measuredRows, COLLECTOR_BATCH_ROWS));
  const warmupPayloads = encodePayloads(toBatches(warmupRows, COLLECTOR_BATCH_ROWS));
  const payloadBytes = payloads.reduce((sum, p) => sum + p.steps.payload.length + p.executions.payload.length, 0);

  progress('ingest: timing the collector\'s per-request stages in-process (decode, map, encode)');
  const stages = measureStages(encoded, Math.min(20, executionCount));

  const rawMillis = [];
  const rawSmallMillis = [];
  let smallPayloads;
  const collectorRuns = { protobuf: [], json: [] };
  for (let round = 1; round <= rounds; round++) {
    progress(`ingest: round ${round}/${rounds}: raw insert baseline (${payloads.length} inserts of ~${formatInt(payloads[0].rows)} rows)`);
    rawMillis.push(await runRawOnce(warmupPayloads, payloads, expected));
    progress(`ingest:   raw ${formatInt(totalSteps / (rawMillis.at(-1) / 1000))} steps/s`);
    // Alternate which format goes first, so neither always follows the raw run.
    const formats = round % 2 === 1 ? ['protobuf', 'json'] : ['json', 'protobuf'];
    for (const format of formats) {
      progress(`ingest: round ${round}/${rounds}: collector, ${format}, ${concurrency} clients`);
      const run = await runCollectorOnce(format, encoded[format].warmup, encoded[format].bodies, expected, { concurrency });
      collectorRuns[format].push(run);
      progress(`ingest:   collector ${format} ${formatInt(totalSteps / (run.wallMillis / 1000))} steps/s, ${formatInt(run.insertRows / run.insertBatches)} rows/batch`);
    }
    // The same raw insert, in batches as small as the collector actually made
    // (observed in round 1): separates "small batches" from "collector CPU".
    if (!smallPayloads) {
      const observed = [...collectorRuns.protobuf, ...collectorRuns.json];
      const meanRows = observed.reduce((sum, run) => sum + run.insertRows, 0) / observed.reduce((sum, run) => sum + run.insertBatches, 0);
      smallPayloads = encodePayloads(toBatches(measuredRows, Math.max(1, Math.round(meanRows))));
    }
    progress(`ingest: round ${round}/${rounds}: raw insert in the collector's batch size (${smallPayloads.length} inserts of ~${formatInt(smallPayloads[0].rows)} rows)`);
    rawSmallMillis.push(await runRawOnce(warmupPayloads, smallPayloads, expected));
    progress(`ingest:   raw, small batches ${formatInt(totalSteps / (rawSmallMillis.at(-1) / 1000))} steps/s`);
  }

  let profile;
  if (options.profile) {
    // A separate, uncounted run: the profiler slows the process it watches.
    progress('ingest: extra protobuf run under --cpu-prof (not counted above)');
    const profileDir = createTempDir('cpuprof').path;
    const run = await runCollectorOnce('protobuf', encoded.protobuf.warmup, encoded.protobuf.bodies, expected, { concurrency, cpuProfileDir: profileDir });
    profile = { ...summarizeCpuProfiles(profileDir, 15), wallMillis: run.wallMillis };
  }

  const rawStepsPerSecond = totalSteps / (median(rawMillis) / 1000);
  const rawSmallStepsPerSecond = totalSteps / (median(rawSmallMillis) / 1000);
  const rows = [
    [`raw chDB insert, ${formatInt(payloads[0].rows)}-row batches (baseline)`, '-', formatFixed(median(rawMillis) / 1000, 2), formatInt(rawStepsPerSecond), '1.00x', '', formatInt(payloads[0].rows), ''],
    [`raw chDB insert, ${formatInt(smallPayloads[0].rows)}-row batches (collector's size)`, '-', formatFixed(median(rawSmallMillis) / 1000, 2), formatInt(rawSmallStepsPerSecond), formatRatio(rawSmallStepsPerSecond / rawStepsPerSecond), '1.00x', formatInt(smallPayloads[0].rows), ''],
  ];
  const record = {
    executions: executionCount,
    stepsPerExecution,
    totalSteps,
    concurrency,
    rounds,
    batchRows: COLLECTOR_BATCH_ROWS,
    raw: { wallMillis: rawMillis, stepsPerSecond: rawStepsPerSecond },
    rawAtCollectorBatchSize: { batchRows: smallPayloads[0].rows, wallMillis: rawSmallMillis, stepsPerSecond: rawSmallStepsPerSecond },
    payloadBytes,
    stagesMicrosPerSpan: stages,
  };
  for (const format of ['protobuf', 'json']) {
    const runs = collectorRuns[format];
    const wall = median(runs.map((run) => run.wallMillis));
    const stepsPerSecond = totalSteps / (wall / 1000);
    const ratio = stepsPerSecond / rawStepsPerSecond;
    const sameBatchRatio = stepsPerSecond / rawSmallStepsPerSecond;
    const batchesSum = runs.reduce((sum, run) => sum + run.insertBatches, 0);
    const rowsSum = runs.reduce((sum, run) => sum + run.insertRows, 0);
    const insertShare = median(runs.map((run) => (run.insertSeconds * 1000) / run.wallMillis));
    rows.push([
      `collector, OTLP/HTTP ${format}`,
      formatBytes(avgBytes(format)),
      formatFixed(wall / 1000, 2),
      formatInt(stepsPerSecond),
      formatRatio(ratio),
      formatRatio(sameBatchRatio),
      formatInt(rowsSum / batchesSum),
      `${formatFixed(insertShare * 100, 0)}%`,
    ]);
    record[format] = {
      wallMillis: runs.map((run) => run.wallMillis),
      stepsPerSecond,
      ratioToRaw: ratio,
      meetsTarget: ratio >= TARGET_RATIO,
      ratioToRawSameBatch: sameBatchRatio,
      meetsSameBatchTarget: sameBatchRatio >= TARGET_SAME_BATCH_RATIO,
      requestBytes: avgBytes(format),
      meanInsertBatchRows: rowsSum / batchesSum,
      insertTimeShare: insertShare,
    };
  }

  const perCore = (micros) => formatInt(1e6 / micros);
  const tables = [
    {
      title: `ingest: ${formatInt(totalSteps)} steps (${executionCount} executions x ${stepsPerExecution} steps, one request each), ${concurrency} clients, median of ${rounds} round(s)`,
      columns: ['path', 'req size', 'wall s', 'steps/s', 'vs raw', 'vs raw, same batch', 'rows/batch', 'in insert'],
      rows,
      notes: [
        `target: collector/raw >= ${TARGET_RATIO} -> protobuf ${verdict(record.protobuf.ratioToRaw, TARGET_RATIO, true)}, json ${verdict(record.json.ratioToRaw, TARGET_RATIO, true)}`,
        `target (issue 10): collector/raw at the collector's batch size >= ${TARGET_SAME_BATCH_RATIO} -> protobuf ${verdict(record.protobuf.ratioToRawSameBatch, TARGET_SAME_BATCH_RATIO, true)}, json ${verdict(record.json.ratioToRawSameBatch, TARGET_SAME_BATCH_RATIO, true)}`,
        `raw: the rows the collector's decoder + spansToRows make of the same requests, ${formatBytes(payloadBytes)} of JSONCompactEachRow encoded beforehand, one insert at a time, steps then executions`,
        'rows/batch: mean rows per batch (one INSERT into steps, then one into executions); in insert: the collector\'s summed batch insert time (JSONCompactEachRow encoding + chDB) / wall time',
        'row counts verified after every run (steps and executions; through the admin SQL API for the collector)',
      ],
    },
    {
      title: `ingest: the collector's CPU work per span, in-process, one core (${formatInt(stages.spans)} spans, median of 3)`,
      columns: ['stage (collector/dist function)', 'us/span', 'spans/s/core'],
      rows: [
        ['decodeProtobufTraces', formatFixed(stages.decodeProtobufMicros, 1), perCore(stages.decodeProtobufMicros)],
        ['decodeJsonTraces', formatFixed(stages.decodeJsonMicros, 1), perCore(stages.decodeJsonMicros)],
        ['spansToRows', formatFixed(stages.spansToRowsMicros, 1), perCore(stages.spansToRowsMicros)],
        [
          `spansToRows + estimateCosts (steps without cost, a price table; ${formatRatio(stages.spansToRowsPricedMicros / stages.spansToRowsUnpricedMicros)} of spansToRows on the same spans)`,
          formatFixed(stages.spansToRowsPricedMicros, 1),
          perCore(stages.spansToRowsPricedMicros),
        ],
        ['JSONCompactEachRow encoding (as chdb-backend insert does)', formatFixed(stages.jsonEachRowMicros, 1), perCore(stages.jsonEachRowMicros)],
        ['total, protobuf', formatFixed(stages.decodeProtobufMicros + stages.spansToRowsMicros + stages.jsonEachRowMicros, 1),
          perCore(stages.decodeProtobufMicros + stages.spansToRowsMicros + stages.jsonEachRowMicros)],
        ['total, json', formatFixed(stages.decodeJsonMicros + stages.spansToRowsMicros + stages.jsonEachRowMicros, 1),
          perCore(stages.decodeJsonMicros + stages.spansToRowsMicros + stages.jsonEachRowMicros)],
      ],
      notes: ['all of this runs on the collector\'s one JS thread, which shares the machine\'s cores with the chDB insert threads'],
    },
  ];

  if (profile) {
    record.profile = profile;
    tables.push({
      title: `ingest profile: collector main thread during a protobuf run (${formatInt(totalSteps / (profile.wallMillis / 1000))} steps/s under the profiler), self time by area`,
      columns: ['area', 'self ms', 'share of busy'],
      rows: profile.areas.map((area) => [area.area, formatInt(area.millis), `${formatFixed(area.share * 100, 1)}%`]),
      notes: [`busy ${formatFixed(profile.busyMillis / 1000, 1)} s of ${formatFixed(profile.totalMillis / 1000, 1)} s profiled (the whole process life, start-up included)`],
    });
    tables.push({
      title: 'ingest profile: top functions by self time',
      columns: ['function', 'where', 'self ms', 'share of busy'],
      rows: profile.functions.map((fn) => [fn.name, fn.where, formatInt(fn.millis), `${formatFixed(fn.share * 100, 1)}%`]),
    });
  }
  return { tables, record };
}
