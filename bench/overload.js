/**
 * `overload`: what 64 clients posting 15 MB OTLP requests at once do to the
 * collector. Before issue 7 the collector read and decoded every body before
 * deciding anything: RSS reached 4.76 GB and /healthz stalled 18 s. Now the
 * in-flight byte budget (XRAY_MAX_INFLIGHT_BYTES) and under-pressure refuse
 * what does not fit with 503 + Retry-After from the headers alone.
 *
 * Collector: `collector/dist/main.js` in a child process with its default
 * settings (16 MiB body limit, 32 MiB in flight). Baseline: the same process
 * idle, measured first in the same run. During the load the collector's RSS
 * is read from /proc every 50 ms (and its high-water mark, VmHWM, at the
 * end), and /healthz is probed every 50 ms from a separate connection; the
 * worst probe latency is compared with the worst of the idle probes.
 *
 * Targets: peak RSS < 1 GiB; /healthz stays responsive: p99 < 250 ms and
 * worst < 1 s under the load (ratios to idle printed beside them). Large
 * bodies are decoded in the decode worker pool, off the event loop.
 */
import http from 'node:http';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { startCollector } from './lib/collector-process.js';
import { formatBytes, formatFixed, formatInt, formatRatio, progress } from './lib/format.js';
import { request } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median, percentile } from './lib/stats.js';

const CLIENTS = 64;
const BODY_BYTES = 15 * 1024 * 1024;
const SAMPLE_MILLIS = 50;
const TARGET_RSS_BYTES = 1024 ** 3;
const TARGET_HEALTHZ_P99_MILLIS = 250;
const TARGET_HEALTHZ_WORST_MILLIS = 1000;

const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** A `VmXxx:` line of /proc/<pid>/status, in bytes. */
function procStatusBytes(pid, field) {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** One valid OTLP/protobuf request of just under `bytes`: one execution with as many steps as fit. */
function buildBody(bytes) {
  const probeSteps = 500;
  const [probe] = encodeRequests(buildExecutions({ executionCount: 1, stepsPerExecution: probeSteps, appId: 'default' }).spans, 'protobuf');
  const steps = Math.floor((bytes / probe.length) * probeSteps * 0.97);
  const [body] = encodeRequests(buildExecutions({ executionCount: 1, stepsPerExecution: steps, appId: 'default' }).spans, 'protobuf');
  return { body, steps };
}

/** Probes /healthz every SAMPLE_MILLIS until stopped; returns each probe's latency in ms. */
function startHealthProbe(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = process.hrtime.bigint();
      const reply = await request(`${url}/healthz`, { agent }).catch(() => ({ status: 0 }));
      latencies.push(reply.status === 200 ? Number(process.hrtime.bigint() - start) / 1e6 : Number.POSITIVE_INFINITY);
      await sleep(SAMPLE_MILLIS);
    }
  })();
  return async () => {
    running = false;
    await loop;
    agent.destroy();
    return latencies;
  };
}

/** Samples the process's RSS every SAMPLE_MILLIS until stopped; returns the samples. */
function startRssSampler(pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(procStatusBytes(pid, 'VmRSS')), SAMPLE_MILLIS);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

export async function runOverload(options) {
  const durationMillis = options.quick ? 8_000 : 20_000;
  progress('overload: building a 15 MB request');
  const { body, steps } = buildBody(BODY_BYTES);
  const collector = await startCollector();
  try {
    progress('overload: idle baseline');
    await sleep(1_000);
    const stopIdleRss = startRssSampler(collector.pid);
    const stopIdleProbe = startHealthProbe(collector.url);
    await sleep(3_000);
    const idleLatencies = await stopIdleProbe();
    const idleRss = median(stopIdleRss());

    progress(`overload: ${CLIENTS} clients x ${formatBytes(body.length)} for ${durationMillis / 1000} s`);
    const stopRss = startRssSampler(collector.pid);
    const stopProbe = startHealthProbe(collector.url);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const statuses = new Map();
    const deadline = Date.now() + durationMillis;
    const headers = { 'content-type': CONTENT_TYPES.protobuf, 'x-api-key': collector.apiKey };
    const client = async () => {
      while (Date.now() < deadline) {
        const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body, agent }).catch(() => ({ status: 0 }));
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        // A refused client waits a little, as an exporter honouring Retry-After would (but shorter, to keep the pressure on).
        if (reply.status !== 200) await sleep(100);
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const wallMillis = Date.now() - started;
    agent.destroy();
    const loadLatencies = await stopProbe();
    const rssSamples = stopRss();
    const peakRss = procStatusBytes(collector.pid, 'VmHWM');

    const worstIdle = Math.max(...idleLatencies);
    const worstLoad = Math.max(...loadLatencies);
    const stored = statuses.get(200) ?? 0;
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
    const record = {
      clients: CLIENTS,
      bodyBytes: body.length,
      stepsPerRequest: steps,
      durationMillis: wallMillis,
      statuses: Object.fromEntries(statuses),
      idleRssBytes: idleRss,
      peakRssBytes: peakRss,
      maxSampledRssBytes: Math.max(...rssSamples),
      rssRatio: peakRss / idleRss,
      idleHealthzWorstMillis: worstIdle,
      loadHealthzWorstMillis: worstLoad,
      idleHealthzP99Millis: percentile(idleLatencies, 99),
      loadHealthzP99Millis: percentile(loadLatencies, 99),
      healthzWorstRatio: worstLoad / worstIdle,
      healthzP99Ratio: percentile(loadLatencies, 99) / percentile(idleLatencies, 99),
      loadAverage: os.loadavg()[0],
      storedMegabytesPerSecond: (stored * body.length) / 2 ** 20 / (wallMillis / 1000),
    };
    const tables = [
      {
        title: `overload: ${CLIENTS} clients posting ${formatBytes(body.length)} OTLP/protobuf requests (${formatInt(steps)} steps each) for ${formatFixed(wallMillis / 1000, 1)} s, default limits`,
        columns: ['measure', 'idle', 'under load', 'ratio', 'target'],
        rows: [
          ['collector RSS (peak: VmHWM)', formatBytes(idleRss), formatBytes(peakRss), formatRatio(record.rssRatio), peakRss < TARGET_RSS_BYTES ? 'met (< 1 GiB)' : 'MISSED (< 1 GiB)'],
          ['/healthz worst latency (ms)', formatFixed(worstIdle, 1), formatFixed(worstLoad, 1), formatRatio(record.healthzWorstRatio),
            worstLoad < TARGET_HEALTHZ_WORST_MILLIS ? 'met (< 1 s)' : 'MISSED (< 1 s)'],
          ['/healthz p99 latency (ms)', formatFixed(record.idleHealthzP99Millis, 1), formatFixed(record.loadHealthzP99Millis, 1), formatRatio(record.healthzP99Ratio),
            record.loadHealthzP99Millis < TARGET_HEALTHZ_P99_MILLIS ? 'met (< 250 ms)' : 'MISSED (< 250 ms)'],
        ],
        notes: [
          `replies: ${summary} (503 = refused early with Retry-After; 0 = connection error)`,
          `stored ${formatFixed(record.storedMegabytesPerSecond, 1)} MB/s of request bodies; probes: ${idleLatencies.length} idle, ${loadLatencies.length} under load`,
          'before issue 7 (measured by the issue\'s reporter): RSS 4.76 GB, /healthz stalled 18 s, p50 request latency 30 s',
          `large bodies are decoded in the decode worker pool (XRAY_DECODE_THREADS); load average ${record.loadAverage.toFixed(2)} at the end`,
        ],
      },
    ];
    return { tables, record };
  } finally {
    await collector.stop();
  }
}
