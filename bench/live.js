/**
 * `live`: latency of the live tail, from the collector's acknowledgement of
 * an OTLP request (its 200 read by the client) to the execution's event on
 * GET /api/v1/executions/stream, on several streams at once. Baseline, in
 * the same run: how long one poll of GET /api/v1/executions takes right
 * after the acknowledgement (what a dashboard without live tail pays per
 * refresh, on top of its refresh interval). Target: p95 under 1 s.
 */
import http from 'node:http';
import { startCollector } from './lib/collector-process.js';
import { request } from './lib/http-client.js';
import { formatFixed, formatInt, formatRatio, progress, verdict } from './lib/format.js';
import { buildExecutions, CONTENT_TYPES, encodeRequests } from './lib/otlp-requests.js';
import { median, percentile } from './lib/stats.js';

const TARGET_P95_MILLIS = 1000;
const STREAMS = 5;
const STEPS_PER_EXECUTION = 10;
const PACE_MILLIS = 20;
const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/** Opens a stream; calls `onExecution(id, arrivedAt)` for each event. Resolves once the stream is subscribed. */
function openStream(url, apiKey, onExecution) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        return;
      }
      let buffer = '';
      let open = false;
      res.setEncoding('utf8');
      res.on('data', (text) => {
        const arrivedAt = performance.now();
        buffer += text;
        let end;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!open && block.startsWith(': stream open')) {
            open = true;
            resolve(() => req.destroy());
          }
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (block.includes('event: execution') && data) onExecution(JSON.parse(data.slice(6)).executionId, arrivedAt);
        }
      });
    });
    req.on('error', (error) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runLive(options) {
  const count = options.quick ? 100 : 500;
  const collector = await startCollector();
  const closers = [];
  try {
    const { executionIds, spans } = buildExecutions({ executionCount: count * 2, stepsPerExecution: STEPS_PER_EXECUTION, appId: 'default' });
    const bodies = encodeRequests(spans, 'protobuf');
    const headers = { 'content-type': CONTENT_TYPES.protobuf, 'x-api-key': collector.apiKey };
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });

    /** arrival times per stream: Map<executionId, ms> */
    const arrivals = Array.from({ length: STREAMS }, () => new Map());
    for (const seen of arrivals) {
      closers.push(await openStream(`${collector.url}/api/v1/executions/stream`, collector.apiKey, (id, at) => seen.set(id, at)));
    }

    progress(`live: ${count} executions to ${STREAMS} streams, one every ${PACE_MILLIS} ms`);
    const acked = new Map();
    for (let i = 0; i < count; i++) {
      const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body: bodies[i], agent });
      if (reply.status !== 200) throw new Error(`ingest answered ${reply.status}`);
      acked.set(executionIds[i], performance.now());
      await sleep(PACE_MILLIS);
    }
    // Let the last events arrive.
    for (let wait = 0; wait < 100 && arrivals.some((seen) => seen.size < count); wait++) await sleep(50);
    const latencies = [];
    let missing = 0;
    for (const seen of arrivals) {
      for (const [id, ackAt] of acked) {
        const at = seen.get(id);
        if (at === undefined) missing++;
        else latencies.push(Math.max(0, at - ackAt));
      }
    }
    for (const close of closers.splice(0)) close();

    progress(`live: baseline, one poll of GET /api/v1/executions after each of ${count} acknowledgements`);
    const polls = [];
    for (let i = count; i < count * 2; i++) {
      const reply = await request(`${collector.url}/v1/traces`, { method: 'POST', headers, body: bodies[i], agent });
      if (reply.status !== 200) throw new Error(`ingest answered ${reply.status}`);
      const start = performance.now();
      const list = await request(`${collector.url}/api/v1/executions?limit=1`, { headers: { authorization: `Bearer ${collector.apiKey}` }, agent });
      if (list.status !== 200) throw new Error(`list answered ${list.status}`);
      polls.push(performance.now() - start);
      await sleep(PACE_MILLIS);
    }
    agent.destroy();

    const record = {
      executions: count,
      streams: STREAMS,
      events: latencies.length,
      missingEvents: missing,
      p50Millis: median(latencies),
      p95Millis: percentile(latencies, 95),
      maxMillis: Math.max(...latencies),
      pollP50Millis: median(polls),
      pollP95Millis: percentile(polls, 95),
      meetsTarget: percentile(latencies, 95) < TARGET_P95_MILLIS && missing === 0,
    };
    const tables = [
      {
        title: `live: acknowledgement -> event on the stream, ${formatInt(count)} executions x ${STREAMS} streams (${STEPS_PER_EXECUTION} steps each)`,
        columns: ['path', 'p50 ms', 'p95 ms', 'max ms', 'p95 vs poll'],
        rows: [
          ['SSE event after the 200', formatFixed(record.p50Millis, 1), formatFixed(record.p95Millis, 1), formatFixed(record.maxMillis, 1), formatRatio(record.p95Millis / record.pollP95Millis)],
          ['baseline: one list poll after the 200', formatFixed(record.pollP50Millis, 1), formatFixed(record.pollP95Millis, 1), formatFixed(Math.max(...polls), 1), '1.00'],
        ],
        notes: [
          `target: p95 < ${TARGET_P95_MILLIS} ms -> ${verdict(record.p95Millis, TARGET_P95_MILLIS, false)}; events missing: ${missing}`,
          'an event can arrive before the client has read the 200 (both follow the same insert); those count as 0 ms',
        ],
      },
    ];
    return { tables, record };
  } finally {
    for (const close of closers) close();
    await collector.stop();
  }
}
