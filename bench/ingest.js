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
 * from the same requests, turned before timing into the engine's own Native
 * blocks of each table's exact column types (the fastest form chDB's insert
 * takes; the collector sends Native too, with text for the LowCardinality and
 * time columns), staged as files and inserted (`INSERT ... FROM INFILE`) by a
 * chDB Session in this process on a fresh folder with the same migrations,
 * grouped into batches the way the collector's batcher groups requests
 * (whole requests until 20,000 rows), one insert at a time. A second raw run
 * makes as many inserts as the collector actually made, which separates the
 * cost of small batches from the cost of the collector's own work; and the
 * collector's per-span CPU stages (decode, map, encode) are timed in-process.
 * Beside wall time, the CPU seconds of each side per stored step (the
 * collector child from /proc, the raw insert from this process, which runs
 * chDB): a figure a shared machine distorts less.
 *
 * The rollups' cost (lib/rollup-cost.js): issue 10's dataset inserted at the
 * batch sizes the collector made, with and without the views, CPU share.
 * With --profile, one extra, uncounted collector run is CPU-profiled.
 */
import { decodeJsonTraces, decodeProtobufTraces } from '../collector/dist/otlp/index.js';
import { spansToRows } from '../collector/dist/model/span-to-rows.js';
import { createPriceLookup, estimateCosts } from '../collector/dist/cost/index.js';
import { toJsonCompactEachRow, toNativeBlock } from '../collector/dist/store/row-encoding.js';
import { DEFAULT_ROLLUP_INTERVAL_MILLIS } from '../collector/dist/store/rollups.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createTempDir } from './lib/cleanup.js';
import { datasetParams } from './lib/dataset.js';
import { generateInChild } from './lib/generate-in-child.js';
import { metricValue, startCollector } from './lib/collector-process.js';
import { summarizeCpuProfiles } from './lib/cpu-profile.js';
import { threadCpuMillis } from './lib/process-cpu.js';
import { openRawEngine } from './lib/engine.js';
import { formatBytes, formatFixed, formatInt, formatRatio, progress, verdict } from './lib/format.js';
import { postConcurrently } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median } from './lib/stats.js';

/** The collector's default XRAY_BATCH_MAX_ROWS; the baseline batches the same way. */
const COLLECTOR_BATCH_ROWS = 20_000;
/** The app the collector files rows under (XRAY_DEFAULT_APP's default). */
const APP_ID = 'default';
/** Client counts of the three settings: fewer clients, smaller batches (one client: one request per batch). */
const CLIENT_SETTINGS = [1, 4, 16];
/** Issue 10 item 4: against a raw insert of the same rows in the collector's own batch size. */
const TARGET_SAME_BATCH_RATIO = 0.8;
/** Issue 10 item 4: the rollups take at most this share of insert throughput (CPU, lib/rollup-cost.js). */
const TARGET_ROLLUP_SHARE = 0.1;
/**
 * How far back the rollup probe's executions start. A pass folds what arrived in the last few seconds, which
 * started within minutes, so its rows fall in one or two hourly buckets per pipeline and step name; the probe
 * inserts the newer half of its rows, which start within the last hour. (Spread over issue 10's 30 days, 130,000
 * steps would put the probe's half in ~49,000 hourly groups, about one per step: a state per step, as no pass of
 * live traffic ever folds.)
 */
const PROBE_SPREAD_MILLIS = 2 * 3_600_000;
/** Fewest steps of issue 10's dataset (20-step executions) the rollup measure inserts per configuration and round (at least a pass interval's). */
const ROLLUP_STEPS = 42_000;

/**
 * Where a process's CPU goes, by what its threads do: Node's main thread;
 * Node's other threads (decode workers, V8's GC and compiler helpers: all
 * named `node`); the libuv pool, which runs chDB's statements (the engine
 * names those threads `Unknown` while it runs one) and Node's file writes;
 * the engine's merges; its other pools.
 */
const THREAD_GROUPS = ['main thread', 'other node threads', 'libuv pool (engine statements)', 'engine merges', 'engine, other pools'];

/** The group of a thread other than the main one, by its name. */
function threadGroupOf(name) {
  if (name === 'node') return THREAD_GROUPS[1];
  if (name === 'Unknown' || name.startsWith('libuv')) return THREAD_GROUPS[2];
  if (name === 'MergeMutate') return THREAD_GROUPS[3];
  return THREAD_GROUPS[4];
}

/** CPU milliseconds of `pid` by thread group (THREAD_GROUPS), or undefined off Linux. */
function threadGroupMillis(pid) {
  const threads = threadCpuMillis(pid);
  if (!threads) return undefined;
  const groups = Object.fromEntries(THREAD_GROUPS.map((group) => [group, 0]));
  groups[THREAD_GROUPS[0]] = threads.main;
  for (const [name, millis] of threads.byName) groups[threadGroupOf(name)] += millis;
  return groups;
}

/** `after - before`, group by group (undefined when either is). */
function groupDelta(before, after) {
  if (!before || !after) return undefined;
  return Object.fromEntries(THREAD_GROUPS.map((group) => [group, after[group] - before[group]]));
}

/** Each thread group's CPU microseconds per stored step, the median of `runs` (undefined off Linux). */
function threadMicrosPerStep(runs, totalSteps) {
  return Object.fromEntries(
    THREAD_GROUPS.map((group) => {
      const values = runs.map((run) => run.threads?.[group]).filter((value) => value !== undefined);
      return [group, values.length === 0 ? undefined : (median(values) * 1000) / totalSteps];
    }),
  );
}

/**
 * The CPU per stored step of each thread group, raw insert beside collector
 * for every path: what the collector spends that the raw insert does not.
 */
function threadTable(settings, totalSteps, rounds) {
  const line = (label, runs) => {
    const perGroup = threadMicrosPerStep(runs, totalSteps);
    const cells = THREAD_GROUPS.map((group) => perGroup[group]);
    const total = cells.every((cell) => cell !== undefined) ? cells.reduce((sum, cell) => sum + cell, 0) : undefined;
    return [label, ...[...cells, total].map((cell) => (cell === undefined ? '-' : formatFixed(cell, 1)))];
  };
  const rows = [];
  for (const setting of settings) {
    for (const format of ['protobuf', 'json']) {
      rows.push(line(`raw chDB insert, ${format}, ${setting.clients} clients' size`, setting.raw[format]));
      rows.push(line(`collector, OTLP/HTTP ${format}, ${setting.clients} clients`, setting.runs[format]));
    }
  }
  return {
    title: `ingest: where the CPU per stored step goes, by thread (us/step, from /proc, median of ${rounds} round(s))`,
    columns: ['path', ...THREAD_GROUPS, 'all'],
    rows,
    notes: [
      'main thread: the collector\'s event loop (HTTP, batcher, the engine calls\' JavaScript side); the raw insert\'s is this bench process\'s, which only awaits its inserts',
      'other node threads: the decode workers and V8\'s GC and compiler helpers (Node names them all `node`; a libuv thread that ran no statement keeps that name too)',
      'libuv pool: chDB runs each statement on one (the insert, its views; named `Unknown` while it does) and Node its file writes (the collector stages each insert\'s Native blocks as a file)',
      'what the raw insert spends the collector spends too; the collector\'s own work is mostly its main thread and other node threads. /proc counts in clock ticks of 10 ms',
    ],
  };
}

/** CPU seconds (user + system, all threads) a process has used, from /proc. */
function processCpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

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

/**
 * Groups requests into `count` batches of whole requests, as even as they
 * come: the raw baseline at the collector's batch size makes as many inserts
 * as the collector made (same mean rows per batch), not batches rounded up
 * to whole requests above that mean.
 *
 * @param {{ executions: object[], steps: object[] }[]} requestRows
 * @param {number} count
 */
function toBatchCount(requestRows, count) {
  const batches = [];
  const perBatch = requestRows.length / count;
  for (let i = 0; i < count; i++) {
    const group = requestRows.slice(Math.round(i * perBatch), Math.round((i + 1) * perBatch));
    if (group.length === 0) continue;
    batches.push({
      executions: group.flatMap((rows) => rows.executions),
      steps: group.flatMap((rows) => rows.steps),
      rows: group.reduce((sum, rows) => sum + rows.executions.length + rows.steps.length, 0),
    });
  }
  return batches;
}

/**
 * The baseline's payloads: each batch's rows as the engine's own Native blocks of the tables' exact types (via
 * JSONCompactEachRow into a scratch table, lib/engine.js), made on an engine opened for it, before any timing.
 */
async function encodePayloads(batches) {
  const engine = await openRawEngine();
  try {
    const payloads = [];
    for (const batch of batches) {
      payloads.push({
        steps: await engine.exactNative('steps', toJsonCompactEachRow(batch.steps)),
        executions: await engine.exactNative('executions', toJsonCompactEachRow(batch.executions)),
        rows: batch.rows,
      });
    }
    return payloads;
  } finally {
    engine.close();
  }
}

/** Mean rows per insert of a baseline's payloads. */
function meanRows(payloads) {
  return payloads.reduce((sum, p) => sum + p.rows, 0) / payloads.length;
}

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
      await Promise.all([engine.insertNative('steps', batch.steps), engine.insertNative('executions', batch.executions)]);
    }
    const start = process.hrtime.bigint();
    const cpuStart = process.cpuUsage();
    const threadsStart = threadGroupMillis(process.pid);
    for (const batch of payloads) {
      // Both tables at once, one batch at a time, as the batcher does.
      await Promise.all([engine.insertNative('steps', batch.steps), engine.insertNative('executions', batch.executions)]);
    }
    const wallMillis = Number(process.hrtime.bigint() - start) / 1e6;
    const cpu = process.cpuUsage(cpuStart);
    const threads = groupDelta(threadsStart, threadGroupMillis(process.pid));
    const counts = await countRows(engine.query);
    if (counts.steps !== expected.steps || counts.executions !== expected.executions) {
      throw new Error(`raw baseline stored ${counts.steps} steps / ${counts.executions} executions, expected ${expected.steps} / ${expected.executions}`);
    }
    // chDB runs in this process: its threads' CPU is in process.cpuUsage().
    return { wallMillis, cpuSeconds: (cpu.user + cpu.system) / 1e6, threads };
  } finally {
    engine.close();
  }
}

/** One collector run on a fresh collector: untimed warm-up requests, then the timed ones. */
async function runCollectorOnce(format, warmupBodies, bodies, expected, options) {
  // Throughput, not overload refusal, is measured here: on a shared, loaded
  // machine the process can miss the event-loop sampler for a second, and
  // under-pressure would refuse a request and abort the measurement; a
  // 16-client batch can also outlast the 10 s store timeout there.
  const collector = await startCollector({ cpuProfileDir: options.cpuProfileDir, env: { XRAY_MAX_EVENT_LOOP_DELAY_MILLIS: '0', XRAY_STORE_TIMEOUT_MILLIS: '120000' } });
  try {
    const headers = { 'content-type': CONTENT_TYPES[format], authorization: `Bearer ${collector.apiKey}` };
    const warm = await postConcurrently({ url: `${collector.url}/v1/traces`, bodies: warmupBodies, concurrency: options.concurrency, headers });
    if (warm.firstFailure) throw new Error(`warm-up request failed: ${warm.firstFailure}`);
    const before = await collector.metrics();
    const cpuBefore = processCpuSeconds(collector.pid);
    const threadsBefore = threadGroupMillis(collector.pid);
    const run = await postConcurrently({ url: `${collector.url}/v1/traces`, bodies, concurrency: options.concurrency, headers });
    if (run.firstFailure) throw new Error(`${format} ingest: not every request got a 200 (${[...run.statuses].map(([s, n]) => `${n}x${s}`).join(', ')}); first: ${run.firstFailure}`);
    const cpuSeconds = processCpuSeconds(collector.pid) - cpuBefore;
    const threads = groupDelta(threadsBefore, threadGroupMillis(collector.pid));
    const after = await collector.metrics();
    const counts = await countRows((sql) => collector.sql(sql));
    if (counts.steps !== expected.steps || counts.executions !== expected.executions) {
      throw new Error(`collector stored ${counts.steps} steps / ${counts.executions} executions, expected ${expected.steps} / ${expected.executions}`);
    }
    const delta = (name) => metricValue(after, name) - metricValue(before, name);
    return {
      wallMillis: run.wallMillis,
      cpuSeconds,
      threads,
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
    encodeMicros: time(() => rows.map((batch) => [toNativeBlock('steps', batch.steps), toNativeBlock('executions', batch.executions)])),
  };
}

/**
 * @param {{ quick: boolean, profile: boolean }} options
 */
export async function runIngest(options) {
  const executionCount = options.quick ? 40 : 100;
  const warmupCount = 4;
  const stepsPerExecution = 1000;
  const rounds = options.quick ? 1 : 3;
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
  const payloads = await encodePayloads(toBatches(measuredRows, COLLECTOR_BATCH_ROWS));
  const warmupPayloads = await encodePayloads(toBatches(warmupRows, COLLECTOR_BATCH_ROWS));
  const payloadBytes = payloads.reduce((sum, p) => sum + p.steps.payload.length + p.executions.payload.length, 0);

  progress('ingest: timing the collector\'s per-request stages in-process (decode, map, encode)');
  const stages = measureStages(encoded, Math.min(20, executionCount));

  // Three batch sizes (issue 10 item 4 asks for two): the collector's batches
  // grow with the requests that arrive while one insert runs, so fewer and
  // more clients give smaller and larger batches; the raw baseline is then
  // run at the batch size each setting actually produced.
  const settings = CLIENT_SETTINGS.map((clients) => ({ clients, runs: { protobuf: [], json: [] }, raw: { protobuf: [], json: [] }, payloads: {} }));
  const raw = [];
  for (let round = 1; round <= rounds; round++) {
    progress(`ingest: round ${round}/${rounds}: raw insert baseline (${payloads.length} inserts of ~${formatInt(payloads[0].rows)} rows)`);
    raw.push(await runRawOnce(warmupPayloads, payloads, expected));
    progress(`ingest:   raw ${formatInt(totalSteps / (raw.at(-1).wallMillis / 1000))} steps/s`);
    for (const setting of settings) {
      // Alternate which format goes first, so neither always follows the raw run.
      const formats = round % 2 === 1 ? ['protobuf', 'json'] : ['json', 'protobuf'];
      for (const format of formats) {
        progress(`ingest: round ${round}/${rounds}: collector, ${format}, ${setting.clients} clients (load ${os.loadavg()[0].toFixed(2)})`);
        const run = await runCollectorOnce(format, encoded[format].warmup, encoded[format].bodies, expected, { concurrency: setting.clients });
        setting.runs[format].push(run);
        progress(`ingest:   collector ${format} ${formatInt(totalSteps / (run.wallMillis / 1000))} steps/s, ${formatInt(run.insertRows / run.insertBatches)} rows/batch`);
      }
      // For each path, the raw insert in as many batches as this setting's collector made on it (observed in
      // round 1): the same mean batch size (a slower path makes smaller batches, and is measured against those).
      for (const format of formats) {
        if (!setting.payloads[format]) {
          const [observed] = setting.runs[format];
          const requestRows = measuredRows[0].steps.length + measuredRows[0].executions.length;
          const batches = Math.max(1, Math.round((measuredRows.length * requestRows) / (observed.insertRows / observed.insertBatches)));
          setting.payloads[format] = await encodePayloads(toBatchCount(measuredRows, batches));
        }
        const payloadsOf = setting.payloads[format];
        progress(`ingest: round ${round}/${rounds}: raw insert at the batch size of ${format}, ${setting.clients} clients (${payloadsOf.length} inserts of ~${formatInt(meanRows(payloadsOf))} rows)`);
        setting.raw[format].push(await runRawOnce(warmupPayloads, payloadsOf, expected));
        progress(`ingest:   raw ${formatInt(totalSteps / (setting.raw[format].at(-1).wallMillis / 1000))} steps/s`);
      }
    }
  }

  // The rollups' cost (issue 10 item 4), one measure for the whole bench
  // (lib/rollup-cost.js, also in the `query` section at its 4,000-step
  // batches): issue 10's dataset (20-step executions, so the execution
  // rollups see as many rows per step as they would in production; this
  // section's 1,000-step executions would hide them), inserted through the
  // collector's own backend at the batch sizes the collector made above,
  // with and without the views, CPU seconds of the inserting process.
  const rollupCosts = [];
  // The job passes every DEFAULT_ROLLUP_INTERVAL_MILLIS: as many steps per pass as this setting's collector
  // stored in that time (its median rate over both formats), at least 1,000.
  const stepsPerPass = (setting) => {
    const runs = [...setting.runs.protobuf, ...setting.runs.json];
    const rate = totalSteps / (median(runs.map((run) => run.wallMillis)) / 1000);
    return Math.max(1_000, Math.round((rate * DEFAULT_ROLLUP_INTERVAL_MILLIS) / 1000));
  };
  // More rounds than the collector runs: a view's share is a few percent, the round-to-round noise as large.
  const rollupRounds = options.quick ? 3 : 5;
  for (const setting of settings) {
    // The protobuf path's batch size (the SDK's and the official exporters' default encoding).
    const batchRows = Math.round(meanRows(setting.payloads.protobuf));
    // A pass per interval of the job at the rate this collector stored steps with these clients; a round holds
    // at least one interval's steps, so each pass folds as many rows as the collector's would (a shorter round
    // would charge a whole pass's fixed cost to fewer steps).
    const passEverySteps = stepsPerPass(setting);
    const probeSteps = Math.max(ROLLUP_STEPS, passEverySteps);
    progress(`ingest: rollup cost: ${formatInt(probeSteps)} steps of issue 10's dataset in ${formatInt(batchRows)}-row batches (${setting.clients} clients' size), views on and off, ${rollupRounds} rounds`);
    const dataDir = createTempDir('rollups');
    try {
      const generated = await generateInChild({
        dataDir: dataDir.path,
        params: datasetParams({ steps: 2 * probeSteps, appId: APP_ID, seed: 'xray-issue-10', anchorMillis: Math.floor(Date.now() / 3_600_000) * 3_600_000, spreadMillis: PROBE_SPREAD_MILLIS }),
        rollupCost: { steps: probeSteps, batchRows, rounds: rollupRounds, passEverySteps },
      });
      rollupCosts.push({ clients: setting.clients, batchRows, load: os.loadavg()[0], ...generated.rollupCost });
    } finally {
      dataDir.remove();
    }
  }

  let profile;
  if (options.profile) {
    // A separate, uncounted run: the profiler slows the process it watches.
    progress('ingest: extra protobuf run under --cpu-prof (not counted above)');
    const profileDir = createTempDir('cpuprof').path;
    const run = await runCollectorOnce('protobuf', encoded.protobuf.warmup, encoded.protobuf.bodies, expected, { concurrency: CLIENT_SETTINGS[0], cpuProfileDir: profileDir });
    profile = { ...summarizeCpuProfiles(profileDir, 15), wallMillis: run.wallMillis };
  }

  const load = os.loadavg()[0];
  const stepsPerSecond = (runs) => totalSteps / (median(runs.map((run) => run.wallMillis)) / 1000);
  const cpuMicrosPerStep = (runs) => (median(runs.map((run) => run.cpuSeconds)) * 1e6) / totalSteps;
  const rawStepsPerSecond = stepsPerSecond(raw);
  const rows = [
    [`raw chDB insert, ${formatInt(payloads[0].rows)}-row batches (reference)`, '-', formatFixed(median(raw.map((run) => run.wallMillis)) / 1000, 2), formatInt(rawStepsPerSecond), '1.00x', '', formatInt(payloads[0].rows), '', formatFixed(cpuMicrosPerStep(raw), 1), ''],
  ];
  const rollupShare = (cost, key) => cost.shares[Object.keys(cost.shares).find((label) => label.startsWith(key))];
  const record = {
    executions: executionCount,
    stepsPerExecution,
    totalSteps,
    rounds,
    batchRows: COLLECTOR_BATCH_ROWS,
    format: 'Native (the engine\'s exact column types), staged as files (INSERT ... FROM INFILE)',
    raw: { wallMillis: raw.map((run) => run.wallMillis), cpuSeconds: raw.map((run) => run.cpuSeconds), stepsPerSecond: rawStepsPerSecond },
    rollups: rollupCosts.map((cost) => ({
      clients: cost.clients,
      batchRows: cost.batchRows,
      steps: cost.stepsPerRound,
      rounds: cost.rounds,
      load: cost.load,
      shares: cost.shares,
      rollupCpuShare: rollupShare(cost, '+ rollups').cpuShare,
      rollupPassShare: rollupShare(cost, '+ rollups').passShare,
      meetsTarget: rollupShare(cost, '+ rollups').passShare <= TARGET_ROLLUP_SHARE,
    })),
    payloadBytes,
    stagesMicrosPerSpan: stages,
    settings: [],
    loadAverageAtEnd: load,
  };
  const verdicts = [];
  for (const setting of settings) {
    const entry = { clients: setting.clients };
    for (const format of ['protobuf', 'json']) {
      const payloadsOf = setting.payloads[format];
      const batchRows = meanRows(payloadsOf);
      const rawSame = stepsPerSecond(setting.raw[format]);
      const rawCpu = cpuMicrosPerStep(setting.raw[format]);
      rows.push([`raw chDB insert, ${formatInt(batchRows)}-row batches (${format}, ${setting.clients} clients' size)`, '-', formatFixed(median(setting.raw[format].map((run) => run.wallMillis)) / 1000, 2), formatInt(rawSame), formatRatio(rawSame / rawStepsPerSecond), '1.00x', formatInt(batchRows), '', formatFixed(rawCpu, 1), '1.00x']);
      const runs = setting.runs[format];
      const collectorStepsPerSecond = stepsPerSecond(runs);
      const sameBatchRatio = collectorStepsPerSecond / rawSame;
      const batchesSum = runs.reduce((sum, run) => sum + run.insertBatches, 0);
      const rowsSum = runs.reduce((sum, run) => sum + run.insertRows, 0);
      const insertShare = median(runs.map((run) => (run.insertSeconds * 1000) / run.wallMillis));
      const cpu = cpuMicrosPerStep(runs);
      rows.push([
        `collector, OTLP/HTTP ${format}, ${setting.clients} clients`,
        formatBytes(avgBytes(format)),
        formatFixed(median(runs.map((run) => run.wallMillis)) / 1000, 2),
        formatInt(collectorStepsPerSecond),
        formatRatio(collectorStepsPerSecond / rawStepsPerSecond),
        formatRatio(sameBatchRatio),
        formatInt(rowsSum / batchesSum),
        `${formatFixed(insertShare * 100, 0)}%`,
        formatFixed(cpu, 1),
        formatRatio(rawCpu / cpu),
      ]);
      entry[format] = {
        rawBatchRows: batchRows,
        rawBatches: payloadsOf.length,
        rawStepsPerSecond: rawSame,
        rawCpuMicrosPerStep: rawCpu,
        wallMillis: runs.map((run) => run.wallMillis),
        cpuSeconds: runs.map((run) => run.cpuSeconds),
        stepsPerSecond: collectorStepsPerSecond,
        ratioToReference: collectorStepsPerSecond / rawStepsPerSecond,
        ratioToRawSameBatch: sameBatchRatio,
        meetsSameBatchTarget: sameBatchRatio >= TARGET_SAME_BATCH_RATIO,
        cpuMicrosPerStep: cpu,
        cpuRatioRawToCollector: rawCpu / cpu,
        threadMicrosPerStep: threadMicrosPerStep(runs, totalSteps),
        rawThreadMicrosPerStep: threadMicrosPerStep(setting.raw[format], totalSteps),
        requestBytes: avgBytes(format),
        meanInsertBatchRows: rowsSum / batchesSum,
        insertTimeShare: insertShare,
      };
      verdicts.push(`${format} at ${setting.clients} clients ${verdict(sameBatchRatio, TARGET_SAME_BATCH_RATIO, true)}`);
    }
    record.settings.push(entry);
  }

  const perCore = (micros) => formatInt(1e6 / micros);
  const tables = [
    {
      title: `ingest: ${formatInt(totalSteps)} steps (${executionCount} executions x ${stepsPerExecution} steps, one request each), ${CLIENT_SETTINGS.join(' and ')} clients, median of ${rounds} round(s)`,
      columns: ['path', 'req size', 'wall s', 'steps/s', 'vs 20k raw', 'vs raw, same batch', 'rows/batch', 'in insert', 'CPU us/step', 'CPU raw/this'],
      rows,
      notes: [
        `target (issue 10): collector/raw at the collector's own batch size >= ${TARGET_SAME_BATCH_RATIO}, at two batch sizes -> ${verdicts.join(', ')} (load ${load.toFixed(2)})`,
        'same batch: for each path, the raw insert makes as many inserts as the collector made on it in round 1 (whole requests, spread evenly), so its mean rows per batch is that path\'s',
        'CPU us/step: CPU seconds of the whole process (collector: every thread of the child, from /proc; raw: this process, which runs chDB) per stored step during the timed part; CPU raw/this is the load-robust companion of the wall-time ratio',
        `raw: the rows the collector's decoder + spansToRows make of the same requests, ${formatBytes(payloadBytes)} of Native blocks made by the engine itself in the tables' exact column types (the fastest format chDB's insert takes; staged as files, INSERT ... FROM INFILE, since chDB's raw insert entry cuts binary payloads at two consecutive newline bytes) encoded beforehand, steps and executions inserted concurrently as the batcher does, one batch at a time, same migrations and views`,
        'rows/batch: mean rows per batch (one INSERT into steps and one into executions); in insert: the collector\'s summed batch insert time / wall time',
        'collector: large bodies are decoded, mapped and their steps encoded in the decode worker pool; row counts verified after every run (through the admin SQL API)',
      ],
    },
    threadTable(settings, totalSteps, rounds),
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
        ['Native encoding (toNativeBlock, store/row-encoding.ts)', formatFixed(stages.encodeMicros, 1), perCore(stages.encodeMicros)],
        ['total, protobuf', formatFixed(stages.decodeProtobufMicros + stages.spansToRowsMicros + stages.encodeMicros, 1),
          perCore(stages.decodeProtobufMicros + stages.spansToRowsMicros + stages.encodeMicros)],
        ['total, json', formatFixed(stages.decodeJsonMicros + stages.spansToRowsMicros + stages.encodeMicros, 1),
          perCore(stages.decodeJsonMicros + stages.spansToRowsMicros + stages.encodeMicros)],
      ],
      notes: ['the collector runs these in its decode workers for bodies above XRAY_DECODE_INLINE_MAX_BYTES (64 KiB), on the cores the chDB insert threads also use'],
    },
  ];

  for (const cost of rollupCosts) {
    const { cpuShare, passShare } = rollupShare(cost, '+ rollups');
    tables.push({
      title: `ingest: what the rollup passes and the materialized views cost the insert, issue 10's dataset (20-step executions), ${formatInt(cost.stepsPerRound)} steps + ${formatInt(cost.executionsPerRound)} executions in ${formatInt(cost.batchRows)}-step batches (${cost.clients} clients' size), a pass every ${formatInt(cost.passEverySteps)} steps (what this collector stored in ${DEFAULT_ROLLUP_INTERVAL_MILLIS / 1000} s), median of ${cost.rounds} alternating rounds`,
      columns: ['views attached', 'steps/s (wall)', 'steps/s (CPU)', 'share of CPU', 'share of wall', 'passes\' own CPU'],
      rows: cost.rows,
      notes: [
        `target (issue 10): the rollups take <= ${TARGET_ROLLUP_SHARE * 100}% of insert throughput, measured as the passes' own share of the CPU -> ${formatFixed(passShare * 100, 1)}% ${passShare <= TARGET_ROLLUP_SHARE ? 'met' : 'MISSED'}; from the difference of rounds ${formatFixed(cpuShare * 100, 1)}% (load ${cost.load.toFixed(2)})`,
        'share = 1 - (steps per CPU second with the views or passes) / (without): the insert is CPU-bound, so the CPU they take is throughput lost; the wall share beside it swings with the neighbours on a shared machine',
        'passes\' own CPU = the CPU of every thread while the passes ran, over the round\'s: the same cost measured directly (an upper bound: a merge of the steps running meanwhile counts too), without the swing of a difference between rounds whose merges differ (the verdict\'s measure)',
        'the passes run the collector\'s own rollup job (collector/src/store/rollups.ts) over copies of the tables and views, between inserts, and once more at the end of each round so every row is folded in',
      ],
    });
  }

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
