/**
 * `memory`: the collector's resident memory under sustained maximum ingest,
 * and how long a newly sent execution takes to become readable through the
 * API while that load runs (issue 10 item 6).
 *
 * A collector child process; 8 clients post OTLP/protobuf requests (one
 * execution of 500 steps each, X-Ray's attributes, built with the official
 * serializer beforehand) back to back for 60 s (`--quick`: 15 s). RSS is read
 * from /proc/<pid>/status every 250 ms: idle before the load, peak, and
 * steady (median of the second half of the load). Every 500 ms a probe sends
 * one new execution of 5 steps and polls `GET /api/v1/executions/{id}` every
 * 10 ms until it answers with all 5 steps: ingest-to-queryable latency, p50
 * and p95.
 *
 * Targets: peak RSS < 500 MB; ingest-to-queryable p95 < 1 s.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import { DEFAULT_ENGINE_MEMORY_SOFT_LIMIT_MB, ENGINE_ALLOCATOR_ENV, engineAllocatorOptions } from '../collector/dist/store/engine-allocator.js';
import { COLLECTOR_ENV } from '../collector/dist/launch.js';
import { metricSample, startCollector } from './lib/collector-process.js';
import { formatFixed, formatInt, progress, verdict } from './lib/format.js';
import { request } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median, percentile } from './lib/stats.js';

const MAX_RSS_MB = 500;
/** The /metrics parts of the RSS the section prints (collector/src/metrics.ts). */
const BREAKDOWN = [
  ['file', 'file-backed (engine library, node binary)'],
  ['anonymous', 'anonymous'],
  ['heap', '  V8 heap of the main thread (total)'],
  ['external', '  V8 external memory (buffers)'],
  ['allocatorResident', '  engine allocator (jemalloc), resident'],
  ['allocatorAllocated', '    of which allocated'],
  ['allocatorDirty', '    of which freed by the engine, not yet returned (dirty)'],
  ['engine', '  engine, by its own account (MemoryTracking)'],
  ['merges', '    of which running merges'],
];
const MAX_QUERYABLE_P95_MILLIS = 1000;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** Resident set size of a process in MB, from /proc. */
function rssMb(pid) {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runMemory(options) {
  const loadSeconds = options.quick ? 15 : 60;
  const stepsPerExecution = 500;
  progress('memory: building 40 executions of 500 steps as OTLP/protobuf requests');
  const bodies = encodeRequests(buildExecutions({ executionCount: 40, stepsPerExecution, appId: 'bench' }).spans, 'protobuf');
  const collector = await startCollector();
  const headers = { 'content-type': CONTENT_TYPES.protobuf, authorization: `Bearer ${collector.apiKey}` };
  try {
    await sleep(2000);
    const idle = rssMb(collector.pid);
    const samples = [];
    const sampler = setInterval(() => samples.push(rssMb(collector.pid)), 250);
    const deadline = Date.now() + loadSeconds * 1000;
    let stepsStored = 0;
    let failures = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let next = 0;
    const client = async () => {
      while (Date.now() < deadline) {
        const body = bodies[next++ % bodies.length];
        const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body, agent });
        if (reply.status === 200) stepsStored += stepsPerExecution;
        else failures++;
      }
    };
    const probeMillis = [];
    /** Of each probe: sending until the 200 (stored), and each read of the execution. */
    const ackMillis = [];
    const readMillis = [];
    const probe = async () => {
      const readAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < deadline - 1000) {
        const built = buildExecutions({ executionCount: 1, stepsPerExecution: 5, appId: 'bench' });
        const [body] = encodeRequests(built.spans, 'protobuf');
        const id = built.executionIds[0];
        const start = process.hrtime.bigint();
        const sent = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body, agent: readAgent });
        ackMillis.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (sent.status === 200) {
          for (;;) {
            const asked = process.hrtime.bigint();
            const reply = await request(`${collector.url}/api/v1/executions/${id}`, { headers, agent: readAgent });
            readMillis.push(Number(process.hrtime.bigint() - asked) / 1e6);
            if (reply.status === 200 && JSON.parse(reply.body.toString('utf8')).steps.length === 5) break;
            await sleep(10);
          }
          probeMillis.push(Number(process.hrtime.bigint() - start) / 1e6);
        }
        await sleep(500);
      }
      readAgent.destroy();
    };
    /** Where the RSS is, from the collector's own /metrics every 2 s (MB). */
    const parts = [];
    const breakdown = async () => {
      while (Date.now() < deadline) {
        // A scrape that fails under the load is a missing read, not a failed section.
        const text = await collector.metrics().catch(() => '');
        const mb = (name, labels) => metricSample(text, name, labels) / 1048576;
        parts.push({
          file: mb('xray_resident_memory_by_kind_bytes', '{kind="file"}'),
          anonymous: mb('xray_resident_memory_by_kind_bytes', '{kind="anonymous"}'),
          heap: mb('xray_nodejs_heap_size_total_bytes'),
          external: mb('xray_nodejs_external_memory_bytes'),
          engine: mb('xray_engine_memory_tracked_bytes'),
          merges: mb('xray_engine_merge_memory_bytes'),
          allocatorResident: mb('xray_engine_allocator_bytes', '{state="resident"}'),
          allocatorAllocated: mb('xray_engine_allocator_bytes', '{state="allocated"}'),
          allocatorDirty: mb('xray_engine_allocator_bytes', '{state="dirty"}'),
          purges: metricSample(text, 'xray_engine_allocator_purges_total'),
        });
        await sleep(2000);
      }
    };
    progress(`memory: ${loadSeconds} s of maximum ingest from 8 clients, probing ingest-to-queryable every 500 ms`);
    await Promise.all([...Array.from({ length: 8 }, client), probe(), breakdown()]);
    clearInterval(sampler);
    agent.destroy();
    const peak = Math.max(...samples);
    const steady = median(samples.slice(Math.floor(samples.length / 2)));
    const p95 = percentile(probeMillis, 95);
    const purges = Math.max(0, ...parts.map((part) => part.purges).filter((value) => Number.isFinite(value)));
    const softLimit = process.env.XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB?.trim() || String(DEFAULT_ENGINE_MEMORY_SOFT_LIMIT_MB);
    return {
      tables: [
        {
          title: `memory: collector RSS under ${loadSeconds} s of maximum ingest (8 clients, OTLP/protobuf, 500-step executions)`,
          columns: ['measure', 'value', 'target'],
          rows: [
            ['RSS idle (MB)', formatFixed(idle, 0), ''],
            ['RSS peak (MB)', formatFixed(peak, 0), verdict(peak, MAX_RSS_MB, false)],
            ['RSS steady, second half (MB)', formatFixed(steady, 0), ''],
            ['peak / idle', `${formatFixed(peak / idle, 1)}x`, ''],
            ['ingest during the load (steps/s)', formatInt(stepsStored / loadSeconds), ''],
            ['requests not answered 200', formatInt(failures), ''],
            [`ingest-to-queryable p50 (ms, ${probeMillis.length} probes)`, formatFixed(median(probeMillis), 0), ''],
            ['ingest-to-queryable p95 (ms)', formatFixed(p95, 0), verdict(p95, MAX_QUERYABLE_P95_MILLIS, false)],
            ['  of which: POST until 200, p50 / p95 (ms)', `${formatFixed(median(ackMillis), 0)} / ${formatFixed(percentile(ackMillis, 95), 0)}`, ''],
            [`  of which: one GET of the execution, p50 / p95 (ms, ${readMillis.length} reads)`, `${formatFixed(median(readMillis), 0)} / ${formatFixed(percentile(readMillis, 95), 0)}`, ''],
          ],
          notes: [
            'ingest-to-queryable: from sending a 5-step execution to the first GET /api/v1/executions/{id} answering all 5 steps (small requests take the batcher\'s express lane)',
            `load average ${os.loadavg()[0].toFixed(2)} at the end`,
          ],
        },
        {
          title: `memory: where the RSS is, from the collector's /metrics every 2 s during the load (${parts.length} reads), MB`,
          columns: ['part', 'median, second half', 'max'],
          rows: BREAKDOWN.map(([key, label]) => {
            const values = parts.map((part) => part[key]).filter((value) => Number.isFinite(value));
            return [label, values.length ? formatFixed(median(values.slice(Math.floor(values.length / 2))), 0) : '-', values.length ? formatFixed(Math.max(...values), 0) : '-'];
          }),
          notes: [
            'file-backed: mapped code and read-only data (the engine library, the node binary); anonymous: every heap. The anonymous lines below are parts of it; the rest of it is the decode worker\'s V8 heap, the engine library\'s writable data, thread stacks and glibc\'s heap (Node\'s buffers)',
            `soft memory limit ${softLimit === '0' ? 'off' : `${softLimit} MB`} (XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB): ${formatInt(purges)} purges of the engine's freed pages during the load`,
            // The collector child starts with COLLECTOR_ENV unless this run's environment sets a variable of it (lib/collector-process.js).
            `engine allocator options: ${engineAllocatorOptions({ ...COLLECTOR_ENV, ...process.env })}${process.env[ENGINE_ALLOCATOR_ENV]?.trim() ? ` (${ENGINE_ALLOCATOR_ENV} set for this run)` : ' (chDB\'s build with the collector\'s JE_MALLOC_CONF, the default)'}`,
          ],
        },
      ],
      record: { loadSeconds, idleMb: idle, peakMb: peak, steadyMb: steady, breakdownMb: parts, stepsPerSecond: stepsStored / loadSeconds, failures,
        allocatorPurges: purges, softLimitMb: Number(softLimit),
        queryableP50Millis: median(probeMillis), queryableP95Millis: p95, probes: probeMillis.length,
        ackP50Millis: median(ackMillis), ackP95Millis: percentile(ackMillis, 95), readP50Millis: median(readMillis), readP95Millis: percentile(readMillis, 95), loadAverage: os.loadavg()[0] },
    };
  } finally {
    await collector.stop();
  }
}
