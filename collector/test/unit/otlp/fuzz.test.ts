/**
 * Hostile bodies: seeded random bytes and random mutations of valid requests.
 * Whatever arrives, a decoder returns a result or throws OtlpDecodeError;
 * anything else (a TypeError, a stack overflow, a hang) would surface as a 500
 * or a stuck worker. A failure prints the seed and round so it can be replayed.
 */
import { describe, expect, it } from 'vitest';
import { decodeJsonTraces, decodeProtobufTraces, OtlpDecodeError, type DecodeResult } from '../../../src/otlp/index.js';
import { createRandom, recordSpans, toJsonText, toProtobuf, withAnyValueAttributes } from './fixtures.js';

const ROUNDS = 3_000;

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
  return 'ok';
}

function validProtobuf(): Buffer {
  const [first, ...rest] = recordSpans();
  return toProtobuf([withAnyValueAttributes(first), ...rest]);
}

describe('otlp/decode-protobuf', () => {
  describe('decodeProtobufTraces', () => {
    it(`returns or throws OtlpDecodeError for ${ROUNDS} seeded random buffers`, () => {
      const seed = 0x5eed;
      const random = createRandom(seed);
      const seen = { ok: 0, rejected: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const body = Buffer.from(Array.from({ length: Math.floor(random() * 256) }, () => Math.floor(random() * 256)));
        seen[outcome(() => decodeProtobufTraces(body), `seed ${seed} round ${round}`)] += 1;
      }
      expect(seen.rejected).toBeGreaterThan(0);
    });

    it(`returns or throws OtlpDecodeError for ${ROUNDS} seeded mutations of a valid request`, () => {
      const seed = 0xbad5eed;
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
      const seed = 0x150a;
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
  });
});
