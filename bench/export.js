/**
 * `export`: GET /api/v1/export of 1M steps (100k with --quick) with their
 * executions, NDJSON, from a collector child process. What it shows: the
 * collector's resident memory stays flat (peak during the export vs idle,
 * against the size of what was exported) and /healthz keeps answering
 * (its latency while exporting vs idle, the baseline measured in the same
 * run). The data is generated inside the engine (the query section's
 * generator), in this process, on the folder the collector then opens.
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

/** /healthz latencies (ms) and RSS samples (bytes) taken until `until` resolves. */
async function watch(collector, until) {
  const health = [];
  const rss = [];
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
      rss.push(metricValue(await collector.metrics(), 'xray_process_resident_memory_bytes'));
      await sleep(RSS_EVERY_MILLIS);
    }
  })();
  await until;
  await Promise.all([probeHealth, sampleRss]);
  return { health, rss };
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
 * @param {{ quick: boolean }} options
 */
export async function runExport(options) {
  const executions = options.quick ? 1_000 : 10_000;
  const steps = executions * STEPS_PER_EXECUTION;
  const data = createTempDir('export');

  progress(`export: generating ${formatInt(executions)} executions and ${formatInt(steps)} steps`);
  const backend = await createBackend({ kind: 'embedded', dataDir: join(data.path, 'clickhouse') });
  try {
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    await seedDecisionData(backend, { appId: 'default', executions, nowMillis: Date.now() });
  } finally {
    // Release the folder: the collector child opens it next.
    await backend.close();
  }

  const collector = await startCollector({ data });
  try {
    progress('export: idle baseline (RSS, /healthz)');
    const idle = await watch(collector, sleep(3000));
    progress(`export: exporting ${formatInt(steps)} steps as NDJSON`);
    const url = `${collector.url}/api/v1/export?format=ndjson&steps=true&from=0`;
    const exporting = download(url, collector.apiKey);
    const during = await watch(collector, exporting);
    const result = await exporting;
    if (result.lines !== executions || result.steps !== steps) {
      throw new Error(`exported ${result.lines} executions / ${result.steps} steps, expected ${executions} / ${steps}`);
    }

    const idleRss = median(idle.rss);
    const peakRss = Math.max(...during.rss);
    const record = {
      steps,
      executions,
      exportBytes: result.bytes,
      exportSeconds: result.millis / 1000,
      stepsPerSecond: steps / (result.millis / 1000),
      idleRssBytes: idleRss,
      peakRssBytes: peakRss,
      rssGrowthBytes: peakRss - idleRss,
      rssGrowthShareOfExport: (peakRss - idleRss) / result.bytes,
      healthzIdleP50Millis: median(idle.health),
      healthzIdleP95Millis: percentile(idle.health, 95),
      healthzDuringP50Millis: median(during.health),
      healthzDuringP95Millis: percentile(during.health, 95),
      healthzDuringMaxMillis: Math.max(...during.health),
      healthzProbesDuring: during.health.length,
    };
    const tables = [
      {
        title: `export: ${formatInt(steps)} steps in ${formatInt(executions)} executions, NDJSON with steps, from a collector process`,
        columns: ['measure', 'idle (baseline)', 'during export', 'ratio'],
        rows: [
          ['collector RSS (median idle / peak during)', formatBytes(idleRss), formatBytes(peakRss), formatRatio(peakRss / idleRss)],
          ['/healthz p50 ms', formatFixed(record.healthzIdleP50Millis, 1), formatFixed(record.healthzDuringP50Millis, 1), formatRatio(record.healthzDuringP50Millis / record.healthzIdleP50Millis)],
          ['/healthz p95 ms', formatFixed(record.healthzIdleP95Millis, 1), formatFixed(record.healthzDuringP95Millis, 1), formatRatio(record.healthzDuringP95Millis / record.healthzIdleP95Millis)],
          ['/healthz max ms', formatFixed(Math.max(...idle.health), 1), formatFixed(record.healthzDuringMaxMillis, 1), ''],
        ],
        notes: [
          `exported ${formatBytes(result.bytes)} in ${formatFixed(record.exportSeconds, 1)} s (${formatInt(record.stepsPerSecond)} steps/s); RSS grew by ${formatBytes(record.rssGrowthBytes)}, ${formatFixed(record.rssGrowthShareOfExport * 100, 1)}% of the bytes exported`,
          `RSS sampled every ${RSS_EVERY_MILLIS} ms from /metrics, /healthz probed every ${PROBE_EVERY_MILLIS} ms (${record.healthzProbesDuring} probes during the export)`,
          'every execution and step was counted in the download (lines and step objects)',
        ],
      },
    ];
    return { tables, record };
  } finally {
    await collector.stop();
  }
}
