/**
 * `export`: GET /api/v1/export, NDJSON with steps, at two sizes of the same
 * data (1M steps in 10,000 executions, 100k with --quick, and the newest
 * quarter of them), each from a fresh collector child process. What it shows:
 * the collector's memory is bounded by a constant, not by the export (peak
 * RSS over the idle baseline at both sizes, with the V8 heap and external
 * memory beside it), and /healthz keeps answering (its latency while
 * exporting vs idle, the baseline measured in the same run). The data is
 * generated inside the engine (the query section's generator), in this
 * process, on the folder the collectors then open.
 */
import http from 'node:http';
import { join } from 'node:path';
import { DEFAULT_MIGRATIONS_DIR } from '../collector/dist/config.js';
import { createBackend } from '../collector/dist/store/index.js';
import { applyMigrations, loadMigrations } from '../collector/dist/store/migrations.js';
import { createTempDir } from './lib/cleanup.js';
import { metricValue, startCollector } from './lib/collector-process.js';
import { request } from './lib/http-client.js';
import { formatBytes, formatFixed, formatInt, formatRatio, progress } from './lib/format.js';
import { median, percentile } from './lib/stats.js';
import { seedDecisionData } from './query.js';

const STEPS_PER_EXECUTION = 100;
const PROBE_EVERY_MILLIS = 100;
const RSS_EVERY_MILLIS = 250;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** /healthz latencies (ms) and memory samples (bytes: RSS, V8 heap used, external) taken until `until` resolves. */
async function watch(collector, until) {
  const health = [];
  const rss = [];
  const heap = [];
  const external = [];
  let done = false;
  until.finally(() => (done = true));
  const probeHealth = (async () => {
    while (!done) {
      const start = performance.now();
      const reply = await request(`${collector.url}/healthz`);
      if (reply.status === 200) health.push(performance.now() - start);
      await sleep(PROBE_EVERY_MILLIS);
    }
  })();
  const sampleRss = (async () => {
    while (!done) {
      const metrics = await collector.metrics();
      rss.push(metricValue(metrics, 'xray_process_resident_memory_bytes'));
      heap.push(metricValue(metrics, 'xray_nodejs_heap_size_used_bytes'));
      external.push(metricValue(metrics, 'xray_nodejs_external_memory_bytes'));
      await sleep(RSS_EVERY_MILLIS);
    }
  })();
  await until;
  await Promise.all([probeHealth, sampleRss]);
  return { health, rss, heap, external };
}

/** Downloads an export, counting bytes and lines without keeping them. */
function download(url, apiKey) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    http.get(url, { headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`export answered ${res.statusCode}`));
        res.resume();
        return;
      }
      let bytes = 0;
      let lines = 0;
      let steps = 0;
      // Each step object carries one "spanId" key; counting them checks every step arrived. A key may
      // straddle two chunks, so the end of the previous chunk is searched again with the next.
      const KEY = '"spanId"';
      let carry = '';
      res.on('data', (chunk) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        const text = carry + chunk.toString('latin1');
        for (let i = text.indexOf(KEY); i !== -1; i = text.indexOf(KEY, i + 1)) steps++;
        carry = text.slice(-(KEY.length - 1));
      });
      res.on('end', () => resolve({ bytes, lines, steps, millis: performance.now() - start }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * One export of the executions started at or after `fromMillis`, from a fresh
 * collector on `dataDir`: its idle baseline first, then the download.
 */
async function measureExport(dataDir, fromMillis) {
  const collector = await startCollector({ dataDir });
  try {
    const idle = await watch(collector, sleep(3000));
    const url = `${collector.url}/api/v1/export?format=ndjson&steps=true&from=${fromMillis}`;
    const exporting = download(url, collector.apiKey);
    const during = await watch(collector, exporting);
    const result = await exporting;
    if (result.lines === 0 || result.steps !== result.lines * STEPS_PER_EXECUTION) {
      throw new Error(`exported ${result.lines} executions with ${result.steps} steps, expected ${STEPS_PER_EXECUTION} steps each`);
    }
    const idleRss = median(idle.rss);
    const peakRss = Math.max(...during.rss);
    return {
      steps: result.steps,
      executions: result.lines,
      exportBytes: result.bytes,
      exportSeconds: result.millis / 1000,
      stepsPerSecond: result.steps / (result.millis / 1000),
      idleRssBytes: idleRss,
      peakRssBytes: peakRss,
      rssGrowthBytes: peakRss - idleRss,
      rssGrowthShareOfExport: (peakRss - idleRss) / result.bytes,
      // Where the growth is: the JS heap (garbage not yet collected counts) and buffers outside it.
      heapIdleBytes: median(idle.heap),
      heapPeakBytes: Math.max(...during.heap),
      externalIdleBytes: median(idle.external),
      externalPeakBytes: Math.max(...during.external),
      healthzIdleP50Millis: median(idle.health),
      healthzIdleP95Millis: percentile(idle.health, 95),
      healthzIdleMaxMillis: Math.max(...idle.health),
      healthzDuringP50Millis: median(during.health),
      healthzDuringP95Millis: percentile(during.health, 95),
      healthzDuringMaxMillis: Math.max(...during.health),
      healthzProbesDuring: during.health.length,
    };
  } finally {
    await collector.stop();
  }
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runExport(options) {
  const executions = options.quick ? 1_000 : 10_000;
  const steps = executions * STEPS_PER_EXECUTION;
  const data = createTempDir('export');

  progress(`export: generating ${formatInt(executions)} executions and ${formatInt(steps)} steps`);
  const backend = await createBackend({ kind: 'embedded', dataDir: join(data.path, 'clickhouse') });
  let quarterFromMillis;
  try {
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    await seedDecisionData(backend, { appId: 'default', executions, nowMillis: Date.now() });
    // The newest quarter of the executions: the smaller of the two exports.
    const [row] = await backend.query(
      'SELECT toString(toUnixTimestamp64Milli(start_time)) AS millis FROM executions FINAL ORDER BY start_time DESC LIMIT 1 OFFSET {n:UInt64}',
      { n: executions / 4 - 1 },
    );
    quarterFromMillis = Number(row.millis);
  } finally {
    // Release the folder: the collector children open it next.
    await backend.close();
  }

  try {
    // The same data, two export sizes, each from a fresh collector with its own idle baseline:
    // memory bounded by a constant shows as the same growth at both sizes.
    const runs = [];
    for (const [label, fromMillis] of [['quarter', quarterFromMillis], ['all', 0]]) {
      progress(`export: ${label} of ${formatInt(steps)} steps as NDJSON, fresh collector (idle baseline first)`);
      runs.push(await measureExport(data.path, fromMillis));
    }
    const [small, large] = runs;
    const record = { ...large, smaller: small, growthRatioLargeToSmall: large.rssGrowthBytes / small.rssGrowthBytes };
    const rows = [];
    for (const run of runs) {
      const size = `${formatInt(run.steps)} steps`;
      rows.push(
        [`${size}: collector RSS (median idle / peak during)`, formatBytes(run.idleRssBytes), formatBytes(run.peakRssBytes), formatRatio(run.peakRssBytes / run.idleRssBytes)],
        [`${size}: V8 heap used (median idle / peak during)`, formatBytes(run.heapIdleBytes), formatBytes(run.heapPeakBytes), formatRatio(run.heapPeakBytes / run.heapIdleBytes)],
        [`${size}: external memory (median idle / peak during)`, formatBytes(run.externalIdleBytes), formatBytes(run.externalPeakBytes), formatRatio(run.externalPeakBytes / run.externalIdleBytes)],
        [`${size}: /healthz p50 ms`, formatFixed(run.healthzIdleP50Millis, 1), formatFixed(run.healthzDuringP50Millis, 1), formatRatio(run.healthzDuringP50Millis / run.healthzIdleP50Millis)],
        [`${size}: /healthz p95 ms`, formatFixed(run.healthzIdleP95Millis, 1), formatFixed(run.healthzDuringP95Millis, 1), formatRatio(run.healthzDuringP95Millis / run.healthzIdleP95Millis)],
        [`${size}: /healthz max ms`, formatFixed(run.healthzIdleMaxMillis, 1), formatFixed(run.healthzDuringMaxMillis, 1), ''],
      );
    }
    const tables = [
      {
        title: `export: ${formatInt(small.steps)} and ${formatInt(large.steps)} steps (${formatInt(small.executions)} and ${formatInt(large.executions)} executions), NDJSON with steps, each from a fresh collector process on the same data`,
        columns: ['measure', 'idle (baseline)', 'during export', 'ratio'],
        rows,
        notes: [
          ...runs.map(
            (run) =>
              `${formatInt(run.steps)} steps: exported ${formatBytes(run.exportBytes)} in ${formatFixed(run.exportSeconds, 1)} s (${formatInt(run.stepsPerSecond)} steps/s); RSS grew by ${formatBytes(run.rssGrowthBytes)}, ${formatFixed(run.rssGrowthShareOfExport * 100, 1)}% of the bytes exported`,
          ),
          `flat memory: growth at ${formatRatio(large.steps / small.steps)} the export size is ${formatRatio(record.growthRatioLargeToSmall)} the growth of the smaller export`,
          `RSS sampled every ${RSS_EVERY_MILLIS} ms from /metrics, /healthz probed every ${PROBE_EVERY_MILLIS} ms (${large.healthzProbesDuring} probes during the larger export)`,
          'every execution and step was counted in each download (lines and step objects)',
        ],
      },
    ];
    return { tables, record };
  } finally {
    data.remove();
  }
}
