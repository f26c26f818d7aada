/**
 * `dedup`: what idempotent inserts cost on the embedded engine. Each request
 * written as its own insert (XRAY_INSERT_PER_REQUEST=true, under its
 * deduplication token) against the default merged inserts (one insert per
 * batch of concurrent requests, a token only when the batch holds one
 * request), for small requests (a 10-step execution each, as a
 * SimpleSpanProcessor-like client sends) and large ones (1,000 steps).
 * Same encoded requests, same clients, a fresh collector per run; the ratio
 * is per-request steps/s over merged steps/s in the same run.
 */
import { startCollector } from './lib/collector-process.js';
import { formatInt, formatRatio, progress } from './lib/format.js';
import { postConcurrently } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median } from './lib/stats.js';

const CONCURRENCY = 16;
/** Untimed warm-up requests: distinct from the timed ones, so merged inserts store no copies. */
const warmup = (bodies) => Math.min(CONCURRENCY, Math.floor(bodies.length / 4));

async function stepsPerSecond(bodies, steps, insertPerRequest) {
  const collector = await startCollector({
    // A loaded machine must not turn slow inserts into refusals: no lag check, a long store timeout.
    env: { XRAY_INSERT_PER_REQUEST: String(insertPerRequest), XRAY_MAX_EVENT_LOOP_DELAY_MILLIS: '0', XRAY_STORE_TIMEOUT_MILLIS: '120000' },
  });
  try {
    const headers = { 'content-type': CONTENT_TYPES.protobuf, authorization: `Bearer ${collector.apiKey}` };
    const url = `${collector.url}/v1/traces`;
    const warm = await postConcurrently({ url, bodies: bodies.slice(0, warmup(bodies)), concurrency: CONCURRENCY, headers });
    if (warm.firstFailure) throw new Error(`warm-up failed: ${warm.firstFailure}`);
    const run = await postConcurrently({ url, bodies: bodies.slice(warmup(bodies)), concurrency: CONCURRENCY, headers });
    if (run.firstFailure) throw new Error(`not every request got a 200: ${run.firstFailure}`);
    const [{ stored }] = await collector.sql('SELECT toUInt64(count()) AS stored FROM steps');
    if (Number(stored) !== steps) throw new Error(`stored ${stored} raw step rows, expected ${steps}`);
    return (steps * (bodies.length - warmup(bodies))) / bodies.length / (run.wallMillis / 1000);
  } finally {
    await collector.stop();
  }
}

/** @param {{ quick: boolean }} options */
export async function runDedup(options) {
  const rounds = options.quick ? 1 : 3;
  const shapes = [
    { name: 'small requests (10 steps)', executionCount: options.quick ? 200 : 1000, stepsPerExecution: 10 },
    { name: 'large requests (1,000 steps)', executionCount: options.quick ? 12 : 40, stepsPerExecution: 1000 },
  ];
  const rows = [];
  const record = {};
  for (const shape of shapes) {
    progress(`dedup: building ${shape.executionCount} executions of ${shape.stepsPerExecution} steps`);
    const built = buildExecutions({ executionCount: shape.executionCount, stepsPerExecution: shape.stepsPerExecution, appId: 'default' });
    const bodies = encodeRequests(built.spans, 'protobuf');
    // Every span but the root is a step.
    const steps = built.spans.reduce((sum, spans) => sum + spans.length - 1, 0);
    const merged = [];
    const perRequest = [];
    for (let round = 1; round <= rounds; round++) {
      merged.push(await stepsPerSecond(bodies, steps, false));
      perRequest.push(await stepsPerSecond(bodies, steps, true));
      progress(`dedup: ${shape.name} round ${round}/${rounds}: merged ${formatInt(merged.at(-1))}, per request ${formatInt(perRequest.at(-1))} steps/s`);
    }
    const ratio = median(perRequest) / median(merged);
    rows.push([shape.name, formatInt(median(merged)), formatInt(median(perRequest)), formatRatio(ratio)]);
    record[shape.name] = { mergedStepsPerSecond: median(merged), perRequestStepsPerSecond: median(perRequest), ratio };
  }
  return {
    tables: [
      {
        title: `dedup: embedded ingest, merged vs per-request inserts (${CONCURRENCY} clients, protobuf, median of ${rounds})`,
        columns: ['requests', 'merged steps/s', 'per-request steps/s', 'per-request / merged'],
        rows,
        notes: ['per-request inserts carry each request\'s deduplication token; merged inserts carry one only for a batch of one request'],
      },
    ],
    record,
  };
}
