/**
 * `security`: what the trust-boundary checks cost and whether one app's
 * flood reaches another app.
 *
 * Isolation: app B sends small requests one after another, first alone
 * (baseline), then while app A floods the collector from many clients far
 * above its rate limit. Reported: B's latency percentiles in both phases and
 * their ratio, B's statuses (all must be 200), and how many of A's requests
 * were throttled. Both phases run on the same collector in the same run.
 *
 * Signing: the same requests sent unsigned to one app and signed (HMAC-SHA256
 * of the body, header computed before timing) to an app that requires
 * signatures; steps/s of each and their ratio.
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { startCollector } from './lib/collector-process.js';
import { formatFixed, formatInt, formatRatio, progress } from './lib/format.js';
import { request } from './lib/http-client.js';
import { CONTENT_TYPES, buildExecutions, encodeRequests } from './lib/otlp-requests.js';
import { median, millisSince, percentile } from './lib/stats.js';

async function admin(collector, method, path, body) {
  const reply = await request(`${collector.url}/api/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${collector.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (reply.status >= 300) throw new Error(`${method} ${path}: HTTP ${reply.status} ${reply.body.toString('utf8')}`);
  return JSON.parse(reply.body.toString('utf8'));
}

/** Sends `bodies` one at a time and returns each latency and the statuses. */
async function sequential(url, key, bodies) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  const statuses = new Map();
  try {
    for (const body of bodies) {
      const start = process.hrtime.bigint();
      const reply = await request(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPES.protobuf, 'x-api-key': key }, body, agent });
      latencies.push(millisSince(start));
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  } finally {
    agent.destroy();
  }
  return { latencies, statuses };
}

/** Floods until `stop()` is called, from `concurrency` clients; returns the statuses. */
function flood(url, key, body, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map();
  let stopped = false;
  const client = async () => {
    while (!stopped) {
      const reply = await request(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPES.protobuf, 'x-api-key': key }, body, agent });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
  };
  const running = Promise.all(Array.from({ length: concurrency }, client));
  return {
    async stop() {
      stopped = true;
      await running;
      agent.destroy();
      return statuses;
    },
  };
}

const statusText = (statuses) => [...statuses].map(([status, n]) => `${status} x${n}`).join(', ');

export async function runSecurity(options) {
  const quick = options.quick;
  const probes = quick ? 100 : 400;
  const floodClients = quick ? 16 : 32;
  const collector = await startCollector({ env: { XRAY_RATE_LIMIT_RPS: '100', XRAY_RATE_LIMIT_BURST: '200' } });
  try {
    const url = `${collector.url}/v1/traces`;
    const keyA = (await admin(collector, 'POST', '/apps', { appId: 'flooder' })).apiKey;
    const keyB = (await admin(collector, 'POST', '/apps', { appId: 'bystander' })).apiKey;
    // A's limit is low so that its flood is mostly throttled even on a slow
    // machine; B keeps the default, which its one-at-a-time probes stay under.
    await admin(collector, 'PUT', '/apps/flooder/limits', { requestsPerSecond: 5, burst: 10 });
    const small = encodeRequests(buildExecutions({ executionCount: probes * 2 + 1, stepsPerExecution: 5, appId: 'bench' }).spans, 'protobuf');

    progress(`security: ${probes} sequential requests from app B alone (baseline)`);
    await sequential(url, keyB, small.slice(0, 20)); // warm-up
    const alone = await sequential(url, keyB, small.slice(0, probes));
    progress(`security: the same from app B while app A floods from ${floodClients} clients`);
    const flooding = flood(url, keyA, small.at(-1), floodClients);
    const during = await sequential(url, keyB, small.slice(probes, probes * 2));
    const floodStatuses = await flooding.stop();

    const signingSteps = quick ? 100 : 500;
    const signingRequests = quick ? 40 : 150;
    progress(`security: ${signingRequests} requests of ${signingSteps} steps, unsigned vs signed`);
    const big = encodeRequests(buildExecutions({ executionCount: signingRequests, stepsPerExecution: signingSteps, appId: 'bench' }).spans, 'protobuf');
    const unsignedKey = (await admin(collector, 'POST', '/apps', { appId: 'unsigned' })).apiKey;
    const signedKey = (await admin(collector, 'POST', '/apps', { appId: 'signed' })).apiKey;
    await admin(collector, 'PUT', '/apps/unsigned/limits', { requestsPerSecond: 1_000_000, burst: 10_000_000 });
    await admin(collector, 'PUT', '/apps/signed/limits', { requestsPerSecond: 1_000_000, burst: 10_000_000 });
    const { secret } = await admin(collector, 'POST', '/apps/signed/signing-secrets');
    await admin(collector, 'PUT', '/apps/signed/signing', { required: true });
    const runs = { unsigned: [], signed: [] };
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      for (const kind of round % 2 === 0 ? ['unsigned', 'signed'] : ['signed', 'unsigned']) {
        const t = Math.floor(Date.now() / 1000);
        // Each body's signature header is computed before timing starts.
        const headersFor = (body) => ({
          'content-type': CONTENT_TYPES.protobuf,
          'x-api-key': kind === 'signed' ? signedKey : unsignedKey,
          ...(kind === 'signed' ? { 'x-xray-signature': `t=${t},v1=${createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}` } : {}),
        });
        const prepared = big.map((body) => ({ body, headers: headersFor(body) }));
        const start = process.hrtime.bigint();
        await Promise.all(
          [0, 1, 2, 3].map(async (lane) => {
            const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
            try {
              for (let i = lane; i < prepared.length; i += 4) {
                const reply = await request(url, { method: 'POST', headers: prepared[i].headers, body: prepared[i].body, agent });
                if (reply.status !== 200) throw new Error(`${kind}: HTTP ${reply.status} ${reply.body.toString('utf8').slice(0, 200)}`);
              }
            } finally {
              agent.destroy();
            }
          }),
        );
        runs[kind].push(millisSince(start));
      }
    }
    const totalSteps = signingRequests * (signingSteps + 1);
    const unsignedRate = totalSteps / (median(runs.unsigned) / 1000);
    const signedRate = totalSteps / (median(runs.signed) / 1000);

    const p = (values, q) => formatFixed(percentile(values, q), 1);
    const ratio = (q) => percentile(during.latencies, q) / percentile(alone.latencies, q);
    const record = {
      isolation: {
        probes,
        floodClients,
        aloneMillis: { p50: percentile(alone.latencies, 50), p99: percentile(alone.latencies, 99) },
        duringFloodMillis: { p50: percentile(during.latencies, 50), p99: percentile(during.latencies, 99) },
        bystanderStatuses: Object.fromEntries(during.statuses),
        flooderStatuses: Object.fromEntries(floodStatuses),
      },
      signing: { requests: signingRequests, stepsPerRequest: signingSteps, unsignedStepsPerSecond: unsignedRate, signedStepsPerSecond: signedRate, ratio: signedRate / unsignedRate },
    };
    const tables = [
      {
        title: `security: app B's requests (5 steps, one at a time) alone and while app A floods from ${floodClients} clients (A's limit 5/s, burst 10)`,
        columns: ['phase', 'p50 ms', 'p90 ms', 'p99 ms', 'statuses of B'],
        rows: [
          ['B alone (baseline)', p(alone.latencies, 50), p(alone.latencies, 90), p(alone.latencies, 99), statusText(alone.statuses)],
          ['B during A\'s flood', p(during.latencies, 50), p(during.latencies, 90), p(during.latencies, 99), statusText(during.statuses)],
          ['ratio flood / alone', formatRatio(ratio(50)), formatRatio(ratio(90)), formatRatio(ratio(99)), ''],
        ],
        notes: [
          `A's flood: ${statusText(floodStatuses)} (429 = throttled before its body was read)`,
          'the flood and B share one collector process and the machine\'s cores: a ratio above 1 is CPU contention from answering 429s, not B being throttled',
        ],
      },
      {
        title: `security: signed vs unsigned ingest, ${signingRequests} requests x ${signingSteps} steps, 4 clients, median of ${runs.signed.length}`,
        columns: ['path', 'steps/s', 'vs unsigned'],
        rows: [
          ['unsigned (baseline)', formatInt(unsignedRate), '1.00x'],
          ['signed, HMAC-SHA256 verified', formatInt(signedRate), formatRatio(signedRate / unsignedRate)],
        ],
      },
    ];
    return { tables, record };
  } finally {
    await collector.stop();
  }
}
