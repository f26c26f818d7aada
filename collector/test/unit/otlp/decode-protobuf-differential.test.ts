/**
 * The hand-written protobuf decoder against an independent one: protobufjs
 * reading the same bytes with the proto-schema.ts descriptor, mapped as the
 * collector did before (reference/decode-protobuf.ts). On every body both
 * must return the same result, or both throw OtlpDecodeError; when the
 * reference throws for an attribute nested too deep, the message must match
 * too (other messages name protobufjs internals). Bodies are seeded, so a
 * failure names the seed and round to replay.
 */
import { describe, expect, it } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeProtobufTraces } from '../../../src/otlp/index.js';
import { createRandom, recordSpans, toProtobuf, withAnyValueAttributes } from './fixtures.js';
import { outcomeOf, type Outcome } from './outcome.js';
import { mutate, randomProtobufRequest, randomSpans } from './random-requests.js';
import { decodeProtobufTraces as decodeWithProtobufjs } from './reference/decode-protobuf.js';

const NESTING = /nests values deeper than/;

function errorText(message: string): string {
  return NESTING.test(message) ? message : 'invalid protobuf';
}

interface Tally {
  ok: number;
  error: number;
  nesting: number;
}

/** The same bytes as a plain Uint8Array in the middle of a larger ArrayBuffer. */
function plainView(body: Buffer): Uint8Array {
  const backing = new Uint8Array(body.length + 6);
  backing.set(body, 3);
  return backing.subarray(3, 3 + body.length);
}

function expectSameOutcome(body: Buffer, label: string, tally: Tally): void {
  const expected: Outcome = outcomeOf(() => decodeWithProtobufjs(body), errorText);
  const actual: Outcome = outcomeOf(() => decodeProtobufTraces(body), errorText);
  expect(actual, `${label}, body ${body.toString('base64')}`).toEqual(expected);
  const fromView: Outcome = outcomeOf(() => decodeProtobufTraces(plainView(body)), errorText);
  expect(fromView, `${label} as a Uint8Array, body ${body.toString('base64')}`).toEqual(expected);
  if ('ok' in expected) tally.ok += 1;
  else if (NESTING.test(expected.error)) tally.nesting += 1;
  else tally.error += 1;
}

function officialRequest(random: () => number): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(randomSpans(random))!);
}

describe('otlp/decode-protobuf', () => {
  describe('decodeProtobufTraces, compared with protobufjs', () => {
    it('agrees on the recorded fixture and on every truncation of it', () => {
      const [first, ...rest] = recordSpans();
      const body = toProtobuf([withAnyValueAttributes(first), ...rest]);
      const tally = { ok: 0, error: 0, nesting: 0 };

      for (let length = 0; length <= body.length; length++) {
        expectSameOutcome(body.subarray(0, length), `cut at ${length}`, tally);
      }
      expect(tally.ok).toBeGreaterThan(1);
    });

    it('agrees on 400 official serializer requests of random spans and 5 mutations of each', () => {
      const seed = 0xd1ff;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0, nesting: 0 };
      for (let round = 0; round < 400; round++) {
        const body = officialRequest(random);
        expectSameOutcome(body, `seed ${seed} round ${round}`, tally);
        for (let edit = 0; edit < 5; edit++) {
          expectSameOutcome(mutate(body, random), `seed ${seed} round ${round} mutation ${edit}`, tally);
        }
      }
      expect(tally.ok).toBeGreaterThan(400);
      expect(tally.error).toBeGreaterThan(200);
    });

    it('agrees on 3000 hand-written requests (repeated, misplaced and unknown fields, deep values) and mutations', () => {
      const seed = 0x9e0;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0, nesting: 0 };
      for (let round = 0; round < 3_000; round++) {
        const body = randomProtobufRequest(random);
        expectSameOutcome(body, `seed ${seed} round ${round}`, tally);
        expectSameOutcome(mutate(body, random), `seed ${seed} round ${round} mutated`, tally);
      }
      // Every kind of answer must really occur, or the comparison proves little.
      expect(tally.ok).toBeGreaterThan(1_000);
      expect(tally.error).toBeGreaterThan(500);
      expect(tally.nesting).toBeGreaterThan(5);
    });

    it('agrees on 3000 buffers of random bytes', () => {
      const seed = 0xb17e5;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0, nesting: 0 };
      for (let round = 0; round < 3_000; round++) {
        const length = Math.floor(random() * 64);
        const body = Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
        expectSameOutcome(body, `seed ${seed} round ${round}`, tally);
      }
      expect(tally.ok).toBeGreaterThan(0);
      expect(tally.error).toBeGreaterThan(0);
    });
  });
});
