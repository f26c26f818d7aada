/**
 * Hostile bodies: seeded random bytes, random byte mutations of valid
 * requests and random value replacements inside a valid OTLP/JSON request.
 * Whatever arrives, a decoder returns a result or throws OtlpDecodeError, and
 * what it returns passes through the span checks and the row mapping without
 * throwing; anything else (a TypeError, a stack overflow, a hang) would
 * surface as a 500 or a stuck worker. A failure prints the seed and round so
 * it can be replayed.
 *
 * Bounded in `npm test` (a few seconds); `npm run fuzz -- <seed> [rounds]`
 * runs it longer through XRAY_FUZZ_SEED and XRAY_FUZZ_ROUNDS.
 */
import { describe, expect, it } from 'vitest';
import { admitSpans } from '../../../src/model/span-admission.js';
import { spansToRows } from '../../../src/model/span-to-rows.js';
import { decodeJsonTraces, decodeProtobufTraces, OtlpDecodeError, type DecodeResult } from '../../../src/otlp/index.js';
import { createRandom, recordSpans, toJsonText, toProtobuf, withAnyValueAttributes } from './fixtures.js';

const ROUNDS = Number(process.env.XRAY_FUZZ_ROUNDS ?? 3_000);
/** Added to every fixed seed, so `npm run fuzz -- 7` explores other inputs than `npm test`. */
const SEED_OFFSET = Number(process.env.XRAY_FUZZ_SEED ?? 0);
const seeded = (seed: number) => (seed + SEED_OFFSET) >>> 0;
const NOW_NANOS = BigInt(Date.now()) * 1_000_000n;

function mutate(body: Buffer, random: () => number): Buffer {
  const bytes = Buffer.from(body);
  const edits = 1 + Math.floor(random() * 4);
  let out = bytes;
  for (let edit = 0; edit < edits; edit++) {
    const at = Math.floor(random() * out.length);
    switch (Math.floor(random() * 4)) {
      case 0: // flip one byte
        out[at] = Math.floor(random() * 256);
        break;
      case 1: // cut the tail off
        out = out.subarray(0, at);
        break;
      case 2: // insert random bytes
        out = Buffer.concat([out.subarray(0, at), Buffer.from([random() * 256, random() * 256]), out.subarray(at)]);
        break;
      default: // drop a few bytes
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + Math.floor(random() * 8))]);
    }
  }
  return out;
}

/** Runs one body; returns 'ok' or 'rejected', and fails the test on any other outcome. */
function outcome(decode: () => DecodeResult, label: string): 'ok' | 'rejected' {
  let result: DecodeResult;
  try {
    result = decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) return 'rejected';
    throw new Error(`${label}: threw ${String(error)}`, { cause: error });
  }
  for (const span of result.spans) {
    expect(span.traceId, label).toMatch(/^(?!0+$)[0-9a-f]{32}$/);
    expect(span.spanId, label).toMatch(/^(?!0+$)[0-9a-f]{16}$/);
    expect(span.parentSpanId, label).toMatch(/^([0-9a-f]{16})?$/);
    expect(span.endTimeUnixNano >= span.startTimeUnixNano, label).toBe(true);
  }
  // What the route does next must not throw either.
  const admitted = admitSpans(result.spans, NOW_NANOS, { retentionDays: 36_500, maxFutureSkewSeconds: 10 ** 9 });
  spansToRows('fuzz', admitted.spans);
  return 'ok';
}

/** Values a hostile sender might put anywhere in an OTLP/JSON request. */
const HOSTILE_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  1e308,
  '',
  'x',
  'NaN',
  '-Infinity',
  '18446744073709551616',
  '-9223372036854775809',
  '\ud800',
  '__proto__',
  true,
  [],
  {},
  [null],
  { __proto__: null, constructor: 'c' },
  { stringValue: 5 },
  { arrayValue: { values: [{ kvlistValue: { values: [{ key: '__proto__', value: { doubleValue: 'Infinity' } }] } }] } },
  { kvlistValue: { values: Array.from({ length: 50 }, (_, i) => ({ key: `k${i % 3}`, value: { intValue: i } })) } },
];

/** Replaces one randomly chosen value anywhere in `json` with a hostile one. */
function mutateValue(json: unknown, random: () => number): unknown {
  const copy = structuredClone(json) as Record<string, unknown>;
  const containers: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((item, i) => (containers.push([node, i]), walk(item)));
    else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        containers.push([node as Record<string, unknown>, key]);
        walk(value);
      }
    }
  };
  walk(copy);
  const edits = 1 + Math.floor(random() * 3);
  for (let edit = 0; edit < edits && containers.length > 0; edit++) {
    const [container, key] = containers[Math.floor(random() * containers.length)];
    (container as Record<string | number, unknown>)[key] = structuredClone(HOSTILE_VALUES[Math.floor(random() * HOSTILE_VALUES.length)]);
  }
  return copy;
}

function validProtobuf(): Buffer {
  const [first, ...rest] = recordSpans();
  return toProtobuf([withAnyValueAttributes(first), ...rest]);
}

describe('otlp/decode-protobuf', () => {
  describe('decodeProtobufTraces', () => {
    it(`returns or throws OtlpDecodeError for ${ROUNDS} seeded random buffers`, () => {
      const seed = seeded(0x5eed);
      const random = createRandom(seed);
      const seen = { ok: 0, rejected: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const body = Buffer.from(Array.from({ length: Math.floor(random() * 256) }, () => Math.floor(random() * 256)));
        seen[outcome(() => decodeProtobufTraces(body), `seed ${seed} round ${round}`)] += 1;
      }
      expect(seen.rejected).toBeGreaterThan(0);
    });

    it(`returns or throws OtlpDecodeError for ${ROUNDS} seeded mutations of a valid request`, () => {
      const seed = seeded(0xbad5eed);
      const random = createRandom(seed);
      const valid = validProtobuf();
      const seen = { ok: 0, rejected: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const body = mutate(valid, random);
        seen[outcome(() => decodeProtobufTraces(body), `seed ${seed} round ${round}`)] += 1;
      }
      // Both paths must really be exercised, or the test proves nothing.
      expect(seen.ok).toBeGreaterThan(0);
      expect(seen.rejected).toBeGreaterThan(0);
    });
  });
});

describe('otlp/decode-json', () => {
  describe('decodeJsonTraces', () => {
    it(`returns or throws OtlpDecodeError for ${ROUNDS} seeded mutations of a valid request`, () => {
      const seed = seeded(0x150a);
      const random = createRandom(seed);
      const [first, ...rest] = recordSpans();
      const valid = Buffer.from(toJsonText([withAnyValueAttributes(first), ...rest]));
      const seen = { ok: 0, rejected: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const body = mutate(valid, random);
        seen[outcome(() => decodeJsonTraces(body), `seed ${seed} round ${round}`)] += 1;
      }
      expect(seen.rejected).toBeGreaterThan(0);
    });

    // Each round clones and walks the whole request: a third of the rounds keeps it to a few seconds.
    const valueRounds = Math.ceil(ROUNDS / 3);
    it(`returns or throws OtlpDecodeError for ${valueRounds} seeded value replacements inside a valid request`, () => {
      const seed = seeded(0x7a1e);
      const random = createRandom(seed);
      const [first, ...rest] = recordSpans();
      const valid = JSON.parse(toJsonText([withAnyValueAttributes(first), ...rest]));
      const seen = { ok: 0, rejected: 0 };
      for (let round = 0; round < valueRounds; round++) {
        const body = JSON.stringify(mutateValue(valid, random));
        seen[outcome(() => decodeJsonTraces(body), `seed ${seed} round ${round}`)] += 1;
      }
      expect(seen.ok).toBeGreaterThan(0);
      expect(seen.rejected).toBeGreaterThan(0);
    });
  });
});
