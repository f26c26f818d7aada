/**
 * One body of the `amplification` section through the collector's real
 * decode worker pool (collector/dist/ingest/decode-pool.js: the worker the
 * collector hands every body above 64 KiB to), in a process of its own so
 * that its peak resident memory is this body's alone.
 *
 *   node bench/lib/amplification-child.js '{"shape": "pb-distinct-keys", "bytes": 16777216}'
 *
 * Builds the body (untimed), warms the worker up on a small SDK request,
 * resets the process's peak RSS (/proc/self/clear_refs), then decodes the
 * body once and prints one line `AMPLIFICATION {json}`: the answer (spans
 * stored, or the error's code and status), the CPU time of every thread of
 * the process, the wall time, the resident memory before and its peak.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createDecodePool } from '../../collector/dist/ingest/decode-pool.js';
import { buildExecutions, encodeRequests } from './otlp-requests.js';

const TRACE_ID = Buffer.from('5b8efff798038103d269b633813fc60c', 'hex');
const SPAN_ID = Buffer.from('eee19b7ec3c1b174', 'hex');
const NOW_MILLIS = Date.now();

// --- protobuf, written by hand: the shapes are ones no serializer makes ---

function varint(value) {
  const bytes = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-delimited field. */
function field(number, payload) {
  return Buffer.concat([varint(number * 8 + 2), varint(payload.length), payload]);
}

function fixed64(number, value) {
  const out = Buffer.alloc(9);
  out[0] = number * 8 + 1;
  out.writeBigUInt64LE(value, 1);
  return out;
}

/** ExportTraceServiceRequest of one span whose attributes (field 9 entries, already encoded) are `attributes`. */
function protobufRequest(attributes) {
  const nanos = BigInt(NOW_MILLIS) * 1_000_000n;
  const span = Buffer.concat([field(1, TRACE_ID), field(2, SPAN_ID), field(5, Buffer.from('s')), fixed64(7, nanos), fixed64(8, nanos + 1000n), attributes]);
  return field(1, field(2, field(2, span)));
}

/** Distinct attribute keys of one to four characters, each with an empty value, up to `bytes`. */
function protobufDistinctKeys(bytes) {
  const entries = [];
  let size = 0;
  for (let i = 0; size < bytes - 64; i++) {
    const entry = field(9, Buffer.concat([field(1, Buffer.from(i.toString(36))), field(2, Buffer.alloc(0))]));
    entries.push(entry);
    size += entry.length;
  }
  return protobufRequest(Buffer.concat(entries));
}

/** One attribute holding an array of empty key-value lists, four bytes each, up to `bytes`. */
function protobufEmptyKvlists(bytes) {
  const item = Buffer.from([0x0a, 0x02, 0x32, 0x00]);
  const items = Buffer.alloc(Math.floor((bytes - 64) / item.length) * item.length).fill(item);
  return protobufRequest(field(9, Buffer.concat([field(1, Buffer.from('list')), field(2, field(5, items))])));
}

// --- OTLP/JSON ---

/** One span with `attributes` (JSON text of a list), in the exporters' layout or behind a snake_case key. */
function jsonRequest(attributes, snakeCase) {
  const nanos = `${BigInt(NOW_MILLIS) * 1_000_000n}`;
  const span = `{"traceId":"${TRACE_ID.toString('hex')}","spanId":"${SPAN_ID.toString('hex')}","name":"s","startTimeUnixNano":"${nanos}","endTimeUnixNano":"${nanos}","attributes":${attributes}}`;
  return Buffer.from(`{"${snakeCase ? 'resource_spans' : 'resourceSpans'}":[{"scopeSpans":[{"spans":[${span}]}]}]}`);
}

function jsonEmptyAttributes(bytes, snakeCase) {
  const count = Math.floor((bytes - 256) / 3);
  return jsonRequest(`[${'{},'.repeat(count - 1)}{}]`, snakeCase);
}

function jsonDistinctAttributes(bytes, snakeCase) {
  const entries = [];
  let size = 256;
  for (let i = 0; size < bytes; i++) {
    const entry = `{"key":"k${i.toString(36)}","value":{"intValue":"${i}"}}`;
    entries.push(entry);
    size += entry.length + 1;
  }
  entries.pop();
  return jsonRequest(`[${entries.join(',')}]`, snakeCase);
}

/** One SDK-shaped execution (bench/lib/otlp-requests.js) of about `bytes`. */
function sdkRequest(format, bytes) {
  const sample = encodeRequests(buildExecutions({ executionCount: 1, stepsPerExecution: 100, appId: 'default' }).spans, format)[0];
  const steps = Math.max(1, Math.round((bytes / sample.length) * 100));
  return encodeRequests(buildExecutions({ executionCount: 1, stepsPerExecution: steps, appId: 'default' }).spans, format)[0];
}

const SHAPES = {
  'sdk-protobuf': { format: 'protobuf', build: (bytes) => sdkRequest('protobuf', bytes) },
  'sdk-json': { format: 'json', build: (bytes) => sdkRequest('json', bytes) },
  'pb-distinct-keys': { format: 'protobuf', build: protobufDistinctKeys },
  'pb-empty-kvlists': { format: 'protobuf', build: protobufEmptyKvlists },
  'json-empty-attributes': { format: 'json', build: (bytes) => jsonEmptyAttributes(bytes, false) },
  'json-distinct-attributes': { format: 'json', build: (bytes) => jsonDistinctAttributes(bytes, false) },
  'json-snake-empty-attributes': { format: 'json', build: (bytes) => jsonEmptyAttributes(bytes, true) },
  'json-snake-distinct-attributes': { format: 'json', build: (bytes) => jsonDistinctAttributes(bytes, true) },
};

function statusKb(name) {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.split(/\s+/)[1]) : NaN;
}

async function main({ shape, bytes }) {
  const { format, build } = SHAPES[shape];
  const body = build(bytes);
  const size = body.length;
  const warm = sdkRequest(format, 256 * 1024);
  const pool = createDecodePool({ threads: 1, admission: { retentionDays: 30, maxFutureSkewSeconds: 3600 }, encodeSteps: true, countSteps: true });
  const task = (payload) => ({ format, body: payload, appId: 'default', nowNanos: BigInt(Date.now()) * 1_000_000n });
  try {
    await pool.decode(task(warm));
    globalThis.gc?.();
    const rssBeforeKb = statusKb('VmRSS');
    // Linux: "5" resets the peak resident set size (VmHWM) to the current one.
    writeFileSync('/proc/self/clear_refs', '5');
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    let answer;
    try {
      const decoded = await pool.decode(task(body));
      answer = { stored: decoded.admittedSpans };
    } catch (error) {
      answer = { code: error.code ?? error.name, status: error.statusCode, message: String(error.message).slice(0, 160) };
    }
    const wallMillis = Number(process.hrtime.bigint() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    const result = { shape, format, bytes: size, ...answer, cpuMillis: (used.user + used.system) / 1000, wallMillis, rssBeforeMb: rssBeforeKb / 1024, peakRssMb: statusKb('VmHWM') / 1024 };
    process.stdout.write(`AMPLIFICATION ${JSON.stringify(result)}\n`);
  } finally {
    await pool.close();
  }
}

main(JSON.parse(process.argv[2])).catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
