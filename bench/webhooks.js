/**
 * `webhooks`: what alert webhooks cost ingest, and how soon an event arrives.
 *   1. Ingest throughput of the same executions (1 in 20 failed, 10 steps
 *      each, protobuf, 8 concurrent clients) into a fresh collector without
 *      webhooks (the baseline) and into one with 3 webhooks matching every
 *      failure, whose receiver (node:http on 127.0.0.1) answers 200: the
 *      detection runs after each insert, off the request, so the ratio should
 *      stay near 1.
 *   2. Latency from the acknowledgement of a failed execution (its 200 read
 *      by the client) to the first event about it at the receiver, one
 *      execution at a time. Target: p95 under 1 s.
 * Every event must arrive exactly once per webhook (duplicates are counted).
 */
import http from 'node:http';
import { startCollector } from './lib/collector-process.js';
import { postConcurrently, request } from './lib/http-client.js';
import { formatFixed, formatInt, formatRatio, progress, verdict } from './lib/format.js';
import { buildExecutions, CONTENT_TYPES, encodeRequests } from './lib/otlp-requests.js';
import { median, percentile } from './lib/stats.js';

const TARGET_P95_MILLIS = 1000;
const WEBHOOKS = 3;
const CONCURRENCY = 8;
const STEPS = 10;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

async function startReceiver() {
  /** executionId -> arrival times; eventId@webhook -> count */
  const arrivals = new Map();
  const counts = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const id = event.executionIds?.[0];
      if (id && !arrivals.has(id)) arrivals.set(id, at);
      counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, arrivals, counts, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function addWebhooks(collector, url) {
  const issued = await request(`${collector.url}/api/v1/admin/apps/default/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${collector.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: ['webhooks'] }),
  });
  const { apiKey } = JSON.parse(issued.body.toString('utf8'));
  for (let i = 0; i < WEBHOOKS; i++) {
    const reply = await request(`${collector.url}/api/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url, conditions: [{ type: 'execution_failed' }] }),
    });
    if (reply.status !== 201) throw new Error(`creating a webhook answered ${reply.status}: ${reply.body}`);
  }
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runWebhooks(options) {
  const count = options.quick ? 400 : 2000;
  const paced = options.quick ? 30 : 100;
  const { spans } = buildExecutions({ executionCount: count, stepsPerExecution: STEPS, appId: 'default' });
  const bodies = encodeRequests(spans, 'protobuf');
  const failedCount = Math.floor(count / 20);
  const receiver = await startReceiver();
  const env = { XRAY_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' };
  const throughput = {};
  try {
    for (const withWebhooks of [false, true]) {
      const collector = await startCollector({ env });
      try {
        if (withWebhooks) await addWebhooks(collector, receiver.url);
        progress(`webhooks: ingest ${count} executions, ${withWebhooks ? `${WEBHOOKS} webhooks on failures` : 'no webhooks (baseline)'}`);
        const headers = { 'content-type': CONTENT_TYPES.protobuf, 'x-api-key': collector.apiKey };
        const result = await postConcurrently({ url: `${collector.url}/v1/traces`, bodies, concurrency: CONCURRENCY, headers });
        if (result.firstFailure) throw new Error(result.firstFailure);
        throughput[withWebhooks ? 'with' : 'without'] = (count / result.wallMillis) * 1000;
        if (!withWebhooks) continue;

        for (let wait = 0; wait < 600 && receiver.counts.size < failedCount * WEBHOOKS; wait++) await sleep(100);
        progress(`webhooks: ${paced} failed executions one at a time, acknowledgement -> event`);
        const extra = buildExecutions({ executionCount: paced * 20, stepsPerExecution: STEPS, appId: 'default' });
        const failedBodies = encodeRequests(extra.spans, 'protobuf').filter((_, e) => e % 20 === 19);
        const failedIds = extra.executionIds.filter((_, e) => e % 20 === 19);
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const acked = new Map();
        for (let i = 0; i < failedBodies.length; i++) {
          const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body: failedBodies[i], agent });
          if (reply.status !== 200) throw new Error(`ingest answered ${reply.status}`);
          acked.set(failedIds[i], performance.now());
          await sleep(20);
        }
        agent.destroy();
        for (let wait = 0; wait < 100 && [...acked.keys()].some((id) => !receiver.arrivals.has(id)); wait++) await sleep(50);
        const latencies = [...acked].filter(([id]) => receiver.arrivals.has(id)).map(([id, at]) => Math.max(0, receiver.arrivals.get(id) - at));
        throughput.latencies = latencies;
        throughput.missing = acked.size - latencies.length;
        throughput.expected = (failedCount + failedBodies.length) * WEBHOOKS;
      } finally {
        await collector.stop();
      }
    }
  } finally {
    await receiver.close();
  }
  const duplicates = [...receiver.counts.values()].filter((n) => n > 1).length;
  const latencies = throughput.latencies;
  const record = {
    executions: count,
    failedExecutions: failedCount,
    webhooks: WEBHOOKS,
    withoutPerSecond: throughput.without,
    withPerSecond: throughput.with,
    ratio: throughput.with / throughput.without,
    eventsExpected: throughput.expected,
    eventsReceived: receiver.counts.size,
    duplicateEvents: duplicates,
    latencyP50Millis: median(latencies),
    latencyP95Millis: percentile(latencies, 95),
    latencyMaxMillis: Math.max(...latencies),
    missingEvents: throughput.missing,
  };
  return {
    tables: [
      {
        title: `webhooks: ingest of ${formatInt(count)} executions (1 in 20 failed, ${STEPS} steps, ${CONCURRENCY} clients)`,
        columns: ['collector', 'executions/s', 'vs baseline'],
        rows: [
          ['baseline: no webhooks', formatFixed(record.withoutPerSecond, 0), '1.00x'],
          [`${WEBHOOKS} webhooks on every failure`, formatFixed(record.withPerSecond, 0), formatRatio(record.ratio)],
        ],
        notes: [`events: ${record.eventsReceived} of ${record.eventsExpected} expected, ${duplicates} delivered more than once`],
      },
      {
        title: `webhooks: acknowledgement of a failed execution -> its event at the receiver (${latencies.length} executions)`,
        columns: ['p50 ms', 'p95 ms', 'max ms'],
        rows: [[formatFixed(record.latencyP50Millis, 1), formatFixed(record.latencyP95Millis, 1), formatFixed(record.latencyMaxMillis, 1)]],
        notes: [`target: p95 < ${TARGET_P95_MILLIS} ms -> ${verdict(record.latencyP95Millis, TARGET_P95_MILLIS, false)}; events missing: ${record.missingEvents}`],
      },
    ],
    record,
  };
}
