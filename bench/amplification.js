/**
 * `amplification`: what the costliest bodies a client can send cost the
 * collector's decode worker, against an SDK request of the same format and
 * size measured in the same run. A sender pays a body's bytes; the
 * collector pays CPU and memory for what the decoder makes of them, and a
 * hostile body makes as much as it can of each byte: millions of distinct
 * attribute keys, arrays of empty values, a layout that only a whole-body
 * JSON.parse reads. The limits that bound this (a request's attribute
 * values and events, XRAY_JSON_WHOLE_PARSE_MAX_BYTES) are what is measured.
 *
 * Each body goes once through the collector's real decode worker pool, in a
 * child process of its own (lib/amplification-child.js), so that its peak
 * resident memory is its own; CPU is every thread of that process.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatFixed, formatInt, formatRatio, progress } from './lib/format.js';
import { median } from './lib/stats.js';

const CHILD = fileURLToPath(new URL('./lib/amplification-child.js', import.meta.url));
const MIB = 1024 * 1024;
/** The collector's default body limit (XRAY_MAX_BODY_BYTES). */
const BODY_LIMIT = 16 * MIB;
/** Just under the default XRAY_JSON_WHOLE_PARSE_MAX_BYTES (4 MiB): the largest body a whole parse still takes. */
const WHOLE_PARSE_LIMIT = 4 * MIB - 1024;

const CASES = [
  { shape: 'sdk-protobuf', bytes: BODY_LIMIT, what: 'SDK request (baseline)' },
  { shape: 'pb-distinct-keys', bytes: BODY_LIMIT, what: 'distinct 1-4 character keys' },
  { shape: 'pb-empty-kvlists', bytes: BODY_LIMIT, what: 'an array of empty key-value lists' },
  { shape: 'sdk-json', bytes: BODY_LIMIT, what: 'SDK request (baseline)' },
  { shape: 'json-empty-attributes', bytes: BODY_LIMIT, what: 'empty attributes, exporters layout' },
  { shape: 'json-distinct-attributes', bytes: BODY_LIMIT, what: 'distinct attributes, exporters layout' },
  { shape: 'json-snake-empty-attributes', bytes: BODY_LIMIT, what: 'empty attributes, snake_case layout' },
  { shape: 'json-snake-empty-attributes', bytes: WHOLE_PARSE_LIMIT, what: 'empty attributes, snake_case layout' },
  { shape: 'json-snake-distinct-attributes', bytes: WHOLE_PARSE_LIMIT, what: 'distinct attributes, snake_case layout' },
];

async function runChild(shape, bytes) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', CHILD, JSON.stringify({ shape, bytes })], { maxBuffer: 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.startsWith('AMPLIFICATION '));
  if (!line) throw new Error(`the amplification child printed no result for ${shape}:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('AMPLIFICATION '.length));
}

/** The answer as the table shows it: spans stored, or the refusal's status and code. */
function answerOf(run) {
  return run.code === undefined ? `stored ${formatInt(run.stored)} span(s)` : `${run.status} ${run.code}`;
}

export async function runAmplification(options) {
  const rounds = options.quick ? 1 : 3;
  const runs = CASES.map(() => []);
  for (let round = 1; round <= rounds; round++) {
    for (const [index, testCase] of CASES.entries()) {
      progress(`amplification: round ${round}/${rounds}: ${testCase.shape}, ${formatFixed(testCase.bytes / MIB, 1)} MiB (load ${os.loadavg()[0].toFixed(2)})`);
      runs[index].push({ ...(await runChild(testCase.shape, testCase.bytes)), load: os.loadavg()[0] });
    }
  }
  const summary = CASES.map((testCase, index) => {
    const each = runs[index];
    return {
      ...testCase,
      format: each[0].format,
      bodyBytes: each[0].bytes,
      answer: answerOf(each[0]),
      answers: [...new Set(each.map(answerOf))],
      cpuMillis: median(each.map((run) => run.cpuMillis)),
      wallMillis: median(each.map((run) => run.wallMillis)),
      peakAboveMb: median(each.map((run) => run.peakRssMb - run.rssBeforeMb)),
      load: median(each.map((run) => run.load)),
    };
  });
  const baseline = (format) => summary.find((entry) => entry.shape === `sdk-${format}`);
  const rows = summary.map((entry) => {
    const base = baseline(entry.format);
    const cpuPerMib = entry.cpuMillis / (entry.bodyBytes / MIB);
    const basePerMib = base.cpuMillis / (base.bodyBytes / MIB);
    entry.cpuPerMibRatio = cpuPerMib / basePerMib;
    return [
      entry.format,
      entry.what,
      formatFixed(entry.bodyBytes / MIB, 1),
      entry.answers.join(' / '),
      formatInt(entry.cpuMillis),
      formatInt(entry.wallMillis),
      formatFixed(cpuPerMib, 1),
      formatRatio(entry.cpuPerMibRatio),
      formatInt(entry.peakAboveMb),
      formatFixed(entry.load, 2),
    ];
  });
  return {
    tables: [
      {
        title: `amplification: one body through the collector's decode worker (its own process each), median of ${rounds} round(s)`,
        columns: ['format', 'body', 'MiB', 'answer', 'CPU ms', 'wall ms', 'CPU ms/MiB', 'vs SDK, per MiB', 'peak RSS +MB', 'load'],
        rows,
        notes: [
          'CPU: every thread of the child process (the decode worker, V8 helpers) while the body is decoded; wall: from handing it to the pool to its answer',
          'peak RSS +MB: the process\'s peak resident memory while decoding (VmHWM, reset just before) over its resident memory before',
          'vs SDK, per MiB: CPU per MiB of body against an SDK request of the same format and size, decoded and stored; a refused body costs what was spent before its refusal',
          `limits: 1,000,000 attribute values and 100,000 events a request (every decoder counts as it reads), ${formatInt(WHOLE_PARSE_LIMIT + 1024)} bytes for an OTLP/JSON body parsed whole (XRAY_JSON_WHOLE_PARSE_MAX_BYTES); bodies of ${formatInt(BODY_LIMIT)} bytes (XRAY_MAX_BODY_BYTES)`,
        ],
      },
    ],
    record: { rounds, cases: summary.map(({ answers, ...entry }) => ({ ...entry, answers })) },
  };
}
