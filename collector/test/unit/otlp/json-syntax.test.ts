/**
 * jsonSyntaxError, the allocation-free grammar check a body too large to
 * parse whole gets its 400 from (ingest/decode-request.ts), against
 * JSON.parse: valid exactly where JSON.parse accepts the body's text, at
 * any depth, and naming a byte of the body where it is not.
 */
import { describe, expect, it } from 'vitest';
import { jsonSyntaxError } from '../../../src/otlp/json-span-reader.js';
import { createRandom, toJsonText } from './fixtures.js';
import { mutate, pick, randomSpans } from './random-requests.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether JSON.parse takes the body as decodeJsonTraces hands it over (one byte order mark dropped). */
function parses(body: Buffer): boolean {
  try {
    JSON.parse(utf8.decode(body));
    return true;
  } catch {
    return false;
  }
}

function expectAgrees(body: Buffer, label: string): boolean {
  const found = jsonSyntaxError(body);
  expect(found === undefined, `${label}: ${JSON.stringify(body.toString('utf8').slice(0, 200))}`).toBe(parses(body));
  if (found) {
    expect(found.offset, label).toBeGreaterThanOrEqual(0);
    expect(found.offset, label).toBeLessThanOrEqual(body.length);
    expect(found.byte, label).toBe(found.offset < body.length ? body[found.offset] : undefined);
  }
  return found === undefined;
}

/** What a grammar turns on: structure, the bytes numbers, literals and escapes are made of, whitespace JSON has and has not. */
const GRAMMAR_BYTES = [...'{}[],:"\\/0123456789-+.eEtrufalsn \t\n\r\fbx'].map((c) => c.charCodeAt(0)).concat([0x00, 0x1f, 0x7f, 0xa0]);

describe('jsonSyntaxError', () => {
  it('agrees with JSON.parse on the grammar of small texts', () => {
    const cases = [
      '{}', '[]', ' {} ', '1', '-0', '-', '01', '1.', '1.5', '.5', '1e', '1e+', '1e+5', '1E-05', '-1.5e3', '+1', '0x10',
      'true', 'tru', 'nul', 'null ', 'falsey', '"a"', '"a', '"\\"', '"\\x"', '"\\u12g4"', '"\\u1234"', '"\\uD800"', '"\u0001"', '"\u007f"',
      '{"a":1,}', '[1,]', '[,1]', '{"a" 1}', '{a:1}', "{'a':1}", '{"a":1 "b":2}', '[1 2]', '{"a":{"b":[]}}', '{} x', '[]]', '[[]', '',
      ' ', '\u00a0{}', '{}\f', '\t{\r\n"a"\t:\n1\r}', '{"a":1}{"b":2}', '{"\\u0061":1}', '{"a":1,"a":2}',
    ];
    for (const text of cases) expectAgrees(Buffer.from(text), text);
  });

  it('passes over one byte order mark as decodeJsonTraces drops it, and counts its offset from the body', () => {
    const mark = Buffer.from([0xef, 0xbb, 0xbf]);
    expectAgrees(Buffer.concat([mark, Buffer.from('{"a":[1,2]}')]), 'one mark');
    expect(jsonSyntaxError(Buffer.concat([mark, mark, Buffer.from('{}')]))).toEqual({ offset: 3, byte: 0xef });
    expect(jsonSyntaxError(Buffer.concat([mark, Buffer.from('{"a":}')]))).toEqual({ offset: 8, byte: 0x7d });
  });

  it('holds at any depth, as JSON.parse does, and says where a deep body ends early', () => {
    const depth = 200_000;
    expectAgrees(Buffer.from(`${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`), 'deep and valid');
    const open = Buffer.from('['.repeat(depth));
    expect(jsonSyntaxError(open)).toEqual({ offset: depth, byte: undefined });
    expect(parses(open)).toBe(false);
    const crossed = Buffer.from(`${'['.repeat(depth)}${'}'.repeat(depth)}`);
    expect(jsonSyntaxError(crossed)).toEqual({ offset: depth, byte: 0x7d });
  });

  it('agrees with JSON.parse on requests with random edits of their grammar and their bytes', () => {
    const seed = 0x5a7;
    const random = createRandom(seed);
    const tally = { valid: 0, invalid: 0 };
    for (let round = 0; round < 1_500; round++) {
      let body = Buffer.from(toJsonText(randomSpans(random)));
      if (round % 3 === 0) body = mutate(body, random);
      else {
        for (let edit = 1 + Math.floor(random() * 3); edit > 0; edit--) {
          const at = Math.floor(random() * (body.length + 1));
          const byte = Buffer.from([pick(random, GRAMMAR_BYTES)]);
          const kind = Math.floor(random() * 3);
          body = kind === 0 ? Buffer.concat([body.subarray(0, at), byte, body.subarray(at)]) : kind === 1 ? Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]) : Buffer.concat([body.subarray(0, at), byte, body.subarray(at + 1)]);
        }
      }
      // Bytes that are not UTF-8 never reach the check (decode-request.ts refuses them first).
      if (!isUtf8(body)) continue;
      if (expectAgrees(body, `seed ${seed} round ${round}`)) tally.valid += 1;
      else tally.invalid += 1;
    }
    expect(tally.valid).toBeGreaterThan(100);
    expect(tally.invalid).toBeGreaterThan(500);
  });
});

function isUtf8(body: Buffer): boolean {
  try {
    utf8.decode(body);
    return true;
  } catch {
    return false;
  }
}
