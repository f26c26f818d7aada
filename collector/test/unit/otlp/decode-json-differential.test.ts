/**
 * The JSON decoder's hand-written fast path against the schema of record:
 * the zod schema validating and normalising the whole request, then a
 * mapping (decodeJsonTracesWithSchema, which never takes the fast path).
 * On every body both must return the same result, or throw OtlpDecodeError
 * with the same message; and the fast path must give up exactly on the
 * requests the schema rejects. Bodies are seeded, so a failure names the
 * seed and round to replay.
 */
import { describe, expect, it } from 'vitest';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeJsonTraces } from '../../../src/otlp/index.js';
import { exportTraceServiceRequestJson } from '../../../src/otlp/json-schema.js';
import { mapJsonRequest } from '../../../src/otlp/map-json-request.js';
import { createRandom } from './fixtures.js';
import { outcomeOf } from './outcome.js';
import { jsonText, mutate, mutateJson, respell, randomSpans } from './random-requests.js';
import { decodeJsonTracesWithSchema as decodeWithZod } from '../../../src/otlp/decode-json.js';

interface Tally {
  ok: number;
  error: number;
}

/**
 * The fast path must give up exactly when the schema rejects the request:
 * giving up on a valid one would still decode it (through the schema), so
 * only this check notices.
 */
function expectFastPathWhenValid(body: string, label: string): void {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return;
  const schemaAccepts = exportTraceServiceRequestJson.safeParse(json).success;
  expect(mapJsonRequest(json as Record<string, unknown>) !== undefined, `${label}: fast path`).toBe(schemaAccepts);
}

function expectSameOutcome(body: string, label: string, tally: Tally): void {
  const expected = outcomeOf(() => decodeWithZod(body), (message) => message);
  const actual = outcomeOf(() => decodeJsonTraces(body), (message) => message);
  expect(actual, `${label}, body ${body}`).toEqual(expected);
  expectFastPathWhenValid(body, label);
  if ('ok' in expected) tally.ok += 1;
  else tally.error += 1;
}

function officialRequest(random: () => number): Record<string, unknown> {
  const text = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(randomSpans(random))!);
  return JSON.parse(text) as Record<string, unknown>;
}

describe('otlp/decode-json', () => {
  describe('decodeJsonTraces, compared with the zod schema', () => {
    it('agrees on 500 official serializer requests of random spans, as sent and in snake_case', () => {
      const seed = 0x15011;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0 };
      for (let round = 0; round < 500; round++) {
        const request = officialRequest(random);
        expectSameOutcome(JSON.stringify(request), `seed ${seed} round ${round}`, tally);
        expectSameOutcome(JSON.stringify(respell(request, random, 1)), `seed ${seed} round ${round} snake_case`, tally);
        expectSameOutcome(JSON.stringify(respell(request, random, 0.5)), `seed ${seed} round ${round} mixed`, tally);
      }
      expect(tally.ok).toBeGreaterThan(1_000);
    });

    it('agrees on 4000 edited requests: values of the wrong type, keys dropped or spelled both ways', () => {
      const seed = 0xed17;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0 };
      for (let round = 0; round < 4_000; round++) {
        const request = officialRequest(random);
        const edited = mutateJson(round % 4 === 0 ? (respell(request, random, 0.5) as typeof request) : request, random);
        expectSameOutcome(jsonText(edited), `seed ${seed} round ${round}`, tally);
      }
      // Both answers must really occur, or the comparison proves little.
      expect(tally.ok).toBeGreaterThan(500);
      expect(tally.error).toBeGreaterThan(500);
    });

    it('agrees on 1000 byte-level mutations of requests', () => {
      const seed = 0xb7e;
      const random = createRandom(seed);
      const tally = { ok: 0, error: 0 };
      for (let round = 0; round < 1_000; round++) {
        const body = Buffer.from(JSON.stringify(officialRequest(random)));
        expectSameOutcome(mutate(body, random).toString('latin1'), `seed ${seed} round ${round}`, tally);
      }
      expect(tally.error).toBeGreaterThan(0);
    });
  });
});
