/**
 * `admin-sql`: what a heavy admin SQL statement costs everyone else. The
 * built collector runs in a child process (lib/collector-process.js) with a
 * 5 s admin SQL time limit. /healthz is probed every 20 ms and small OTLP
 * requests are sent by 3 clients, first with nothing else running (the
 * baseline, measured in the same run), then while two admin statements run:
 * `SELECT * FROM numbers(1e10)` (cut at the row cap) and a GROUP BY over
 * numbers(1e11) (stopped by the time limit). Reported: /healthz and ingest
 * latency (median, p99, worst) in both phases, their ratio, and the
 * collector's resident memory before and after.
 */
import { metricValue, startCollector } from './lib/collector-process.js';
import { formatBytes, formatFixed, formatInt, formatRatio, progress } from './lib/format.js';
import { request } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median, percentile } from './lib/stats.js';

const PROBE_INTERVAL_MILLIS = 20;
const SENDERS = 3;
const TIME_LIMIT_SECONDS = 5;

const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** Probes /healthz and sends ingest requests until `until` resolves; returns the latencies. */
async function observe(collector, bodies, until) {
  let running = true;
  const healthz = [];
  const ingest = [];
  const failures = [];
  let next = 0;
  const probe = (async () => {
    while (running) {
      const start = performance.now();
      const reply = await request(`${collector.url}/healthz`);
      healthz.push(performance.now() - start);
      if (reply.status !== 200) failures.push(`healthz ${reply.status}`);
      await sleep(PROBE_INTERVAL_MILLIS);
    }
  })();
  const headers = { 'content-type': CONTENT_TYPES.protobuf, authorization: `Bearer ${collector.apiKey}` };
  const senders = Array.from({ length: SENDERS }, async () => {
    while (running) {
      const body = bodies[next++ % bodies.length];
      const start = performance.now();
      const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body });
      ingest.push(performance.now() - start);
      if (reply.status !== 200) failures.push(`ingest ${reply.status}`);
    }
  });
  const outcome = await until;
  running = false;
  await Promise.all([probe, ...senders]);
  return { healthz, ingest, failures, outcome };
}

async function adminSql(collector, sql) {
  const reply = await request(`${collector.url}/api/v1/admin/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${collector.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql }),
  });
  const body = JSON.parse(reply.body.toString('utf8'));
  return { status: reply.status, code: body.error?.code, rows: body.rows?.length, truncated: body.truncated };
}

const summary = (values) => ({ median: median(values), p99: percentile(values, 99), worst: Math.max(...values), count: values.length });

export async function runAdminSql(options) {
  const executions = buildExecutions({ executionCount: 200, stepsPerExecution: 10, appId: 'default' });
  const bodies = encodeRequests(executions.spans, 'protobuf');
  const collector = await startCollector({ env: { XRAY_ADMIN_SQL_MAX_EXECUTION_SECONDS: String(TIME_LIMIT_SECONDS) } });
  try {
    const rssBefore = metricValue(await collector.metrics(), 'xray_process_resident_memory_bytes');
    progress('admin-sql: baseline (no admin SQL)');
    const baseline = await observe(collector, bodies, sleep(options.quick ? 2_000 : TIME_LIMIT_SECONDS * 1000));
    progress('admin-sql: while numbers(1e10) and a GROUP BY over numbers(1e11) run');
    const loaded = await observe(
      collector,
      bodies,
      Promise.all([
        adminSql(collector, 'SELECT * FROM numbers(1e10)'),
        adminSql(collector, 'SELECT number % 1000003 AS k, count() AS n FROM numbers(1e11) GROUP BY k'),
      ]),
    );
    const rssAfter = metricValue(await collector.metrics(), 'xray_process_resident_memory_bytes');
    const failures = [...baseline.failures, ...loaded.failures];
    if (failures.length > 0) throw new Error(`requests failed: ${failures.slice(0, 5).join(', ')}`);
    const [select, aggregation] = loaded.outcome;
    const rows = [];
    const record = {};
    for (const [name, base, load] of [
      ['/healthz', summary(baseline.healthz), summary(loaded.healthz)],
      ['ingest request', summary(baseline.ingest), summary(loaded.ingest)],
    ]) {
      rows.push([
        name,
        formatInt(base.count),
        formatFixed(base.median, 1), formatFixed(base.worst, 1),
        formatInt(load.count),
        formatFixed(load.median, 1), formatFixed(load.p99, 1), formatFixed(load.worst, 1),
        formatRatio(load.median / base.median), formatRatio(load.worst / base.worst),
      ]);
      record[name === '/healthz' ? 'healthz' : 'ingest'] = { baseline: base, underAdminSql: load };
    }
    record.select = select;
    record.aggregation = aggregation;
    record.rssBytes = { before: rssBefore, after: rssAfter };
    return {
      tables: [
        {
          title: `admin-sql: /healthz and ingest latency (ms) while heavy admin SQL runs (time limit ${TIME_LIMIT_SECONDS} s)`,
          columns: ['request', 'n idle', 'idle median', 'idle worst', 'n loaded', 'loaded median', 'loaded p99', 'loaded worst', 'median ratio', 'worst ratio'],
          rows,
          notes: [
            `numbers(1e10): ${select.status}, ${select.rows} rows, truncated=${select.truncated}; GROUP BY: ${aggregation.status} ${aggregation.code ?? ''}`,
            `collector resident memory: ${formatBytes(rssBefore)} before, ${formatBytes(rssAfter)} after`,
          ],
        },
      ],
      record,
    };
  } finally {
    await collector.stop();
  }
}
