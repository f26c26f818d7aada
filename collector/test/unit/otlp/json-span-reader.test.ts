/**
 * The OTLP/JSON span reader (the decode worker's streamed path) against
 * decodeJsonTraces, the decoder of record: wherever the reader answers, its
 * spans, rejections and messages must be exactly decodeJsonTraces's, and it
 * must never answer a body decodeJsonTraces refuses. Where it gives up, the
 * staged decoder answers, so the tests also hold it to reading what
 * OpenTelemetry's serializer writes (a reader that gave up on everything
 * would pass the comparison). Bodies are seeded, so a failure names the
 * seed and round to replay.
 */
import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../../src/contracts/spans.js';
import { constants as bufferConstants } from 'node:buffer';
import { KnownNames, knownAttributeNames, knownNameSlot, readJsonTraces } from '../../../src/otlp/json-span-reader.js';
import { MAX_ATTRIBUTE_VALUES_PER_REQUEST, MAX_EVENTS_PER_REQUEST, OtlpDecodeError, decodeJsonTraces } from '../../../src/otlp/index.js';
import { createRandom, toJsonText } from './fixtures.js';
import { describeResult, outcomeOf, type Outcome } from './outcome.js';
import { jsonText, mutate, mutateJson, randomSpans, respell } from './random-requests.js';

function readOutcome(body: Buffer): Outcome | undefined {
  const spans: DecodedSpan[] = [];
  const result = readJsonTraces(body, (span) => spans.push(span));
  if (result === undefined) return undefined;
  // Handed over one by one, never kept in the result.
  expect(result.spans).toEqual([]);
  return { ok: describeResult({ ...result, spans }) };
}

/** The reader's answer is decodeJsonTraces's, or it gave up. Returns which, and whether decodeJsonTraces refused the body. */
function expectAgrees(body: Buffer, label: string): { read: boolean; refused: boolean } {
  const staged = outcomeOf(() => decodeJsonTraces(body), (message) => message);
  const read = readOutcome(body);
  if (read !== undefined) expect(read, `${label}, body ${body.toString('latin1').slice(0, 2000)}`).toEqual(staged);
  return { read: read !== undefined, refused: 'error' in staged };
}

const VALID_SPAN = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'eee19b7ec3c1b173',
  name: 'score',
  kind: 1,
  startTimeUnixNano: '1800000000000000000',
  endTimeUnixNano: '1800000001000000000',
  attributes: [
    { key: 'xray.execution.id', value: { stringValue: 'exec-1' } },
    { key: 'input.value', value: { stringValue: '{"amount":25000,"flags":["a\\"b"]}' } },
    { key: 'xray.step.sequence', value: { intValue: '3' } },
  ],
  droppedAttributesCount: 0,
  events: [{ timeUnixNano: '1800000000500000000', name: 'exception', attributes: [{ key: 'exception.message', value: { stringValue: 'timeout' } }] }],
  status: { code: 2, message: 'bureau timed out' },
  links: [],
  flags: 257,
};

function request(span: unknown, scope: unknown = { name: 'xray', version: '1.0.0' }, resource: unknown = { attributes: [{ key: 'service.name', value: { stringValue: 'loans' } }] }): string {
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope, spans: [span] }] }] });
}

/** A request text with `from` replaced by `to` once (for what JSON.stringify cannot write). */
function edited(text: string, from: string, to: string): string {
  expect(text.includes(from), `the request holds ${from}`).toBe(true);
  return text.replace(from, to);
}

describe('otlp/json-span-reader', () => {
  it('reads every request of the official serializer that decodeJsonTraces accepts, with the same spans', () => {
    const seed = 0x5a1;
    const random = createRandom(seed);
    let read = 0;
    for (let round = 0; round < 500; round++) {
      const body = Buffer.from(toJsonText(randomSpans(random)));
      const outcome = expectAgrees(body, `seed ${seed} round ${round}`);
      if (!outcome.refused) expect(outcome.read, `seed ${seed} round ${round}: read, not given up`).toBe(true);
      if (outcome.read) read += 1;
    }
    expect(read).toBeGreaterThan(100);
  });

  it('agrees on respelled, edited and byte-mutated requests, and gives up on each body decodeJsonTraces refuses', () => {
    const seed = 0x5a2;
    const random = createRandom(seed);
    const tally = { read: 0, gaveUp: 0, refused: 0 };
    for (let round = 0; round < 1_500; round++) {
      const text = toJsonText(randomSpans(random));
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const bodies = [
        Buffer.from(JSON.stringify(respell(parsed, random, 0.3))),
        Buffer.from(jsonText(mutateJson(parsed, random))),
        mutate(Buffer.from(text), random),
      ];
      for (const [i, body] of bodies.entries()) {
        const outcome = expectAgrees(body, `seed ${seed} round ${round} body ${i}`);
        if (outcome.read) tally.read += 1;
        else tally.gaveUp += 1;
        if (outcome.refused) tally.refused += 1;
      }
    }
    // Each kind of answer occurs, or the comparison proves little.
    expect(tally.read).toBeGreaterThan(300);
    expect(tally.gaveUp).toBeGreaterThan(1_000);
    expect(tally.refused).toBeGreaterThan(1_000);
  });

  it('keeps the attribute names it reuses in bytes of their own, not views that would keep request bodies alive', () => {
    const body = Buffer.from(request({ ...VALID_SPAN, attributes: [{ key: 'a-name-never-seen-before', value: { stringValue: 'x' } }] }));
    expect(readOutcome(body)).toBeDefined();
    const names = knownAttributeNames();
    const kept = names.find((name) => name.text === 'a-name-never-seen-before');
    expect(kept).toBeDefined();
    for (const name of names) {
      expect(name.bytes.buffer.byteLength, name.text).toBe(name.bytes.byteLength);
      expect(name.bytes.buffer).not.toBe(body.buffer);
    }
  });

  it('keeps at most 4,096 attribute names, whatever a sender floods it with, and reads every name right past that', () => {
    const flood = Array.from({ length: 5_000 }, (_, i) => ({ key: `flood-${i}-${'x'.repeat(i % 40)}`, value: { intValue: i } }));
    const body = Buffer.from(request({ ...VALID_SPAN, attributes: flood }));
    expect(expectAgrees(body, 'a flood of names')).toEqual({ read: true, refused: false });
    expect(knownAttributeNames().length).toBeLessThanOrEqual(4_096);
  });

  it('looks a name up in one slot whatever names a sender picks: of names sharing a slot one is kept, and every name reads right', () => {
    // (A Map keyed by the name's hash kept all of these, distinct hashes, and V8 hashes integer keys with a fixed
    // function: names chosen to share one of its buckets made every look-up walk them all.)
    const target = knownNameSlot('xray.step.reasoning');
    const sharing: string[] = [];
    for (let i = 0; sharing.length < 300; i++) {
      if (knownNameSlot(`n-${i}`) === target) sharing.push(`n-${i}`);
    }
    const attributes = [...sharing, ...sharing].map((key, i) => ({ key, value: { intValue: i } }));
    const body = Buffer.from(request({ ...VALID_SPAN, attributes }));
    const names = new KnownNames();
    const spans: DecodedSpan[] = [];
    const result = readJsonTraces(body, (span) => spans.push(span), names);
    expect(result).toBeDefined();
    expect({ ok: describeResult({ ...result!, spans }) }).toEqual(outcomeOf(() => decodeJsonTraces(body), (message) => message));
    expect(names.kept().filter((name) => sharing.includes(name.text))).toHaveLength(1);
  });

  it(`reads ${MAX_EVENTS_PER_REQUEST} span events as decodeJsonTraces does, and refuses one more as it does, without parsing the rest`, () => {
    const withEvents = (count: number) => Buffer.from(request({ ...VALID_SPAN, events: Array.from({ length: count }, () => ({})) }));
    expect(expectAgrees(withEvents(MAX_EVENTS_PER_REQUEST), 'events at the limit')).toEqual({ read: true, refused: false });
    const message = new RegExp(`more than ${MAX_EVENTS_PER_REQUEST} span events`);
    const over = withEvents(MAX_EVENTS_PER_REQUEST + 1);
    expect(() => readJsonTraces(over, () => {})).toThrow(OtlpDecodeError);
    expect(() => readJsonTraces(over, () => {})).toThrow(message);
    expect(() => decodeJsonTraces(over)).toThrow(OtlpDecodeError);
    expect(() => decodeJsonTraces(over)).toThrow(message);
    // A value the schema refuses after the events, in the same span: both still answer with the limit.
    const invalidAfter = edited(over.toString('latin1'), '"status":{"code":2', '"status":{"code":"two"');
    expect(() => readJsonTraces(Buffer.from(invalidAfter), () => {})).toThrow(message);
    expect(() => decodeJsonTraces(invalidAfter)).toThrow(message);
    // An attribute value it refuses before the events: the reader gives up where it reads it, and decodeJsonTraces
    // answers with the limit (it counts a span's events before reading the span).
    const invalidBefore = edited(over.toString('latin1'), '{"intValue":"3"}', '{"intValue":"3.5"}');
    expect(readJsonTraces(Buffer.from(invalidBefore), () => {})).toBeUndefined();
    expect(() => decodeJsonTraces(invalidBefore)).toThrow(message);
  });

  it(`reads ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values as decodeJsonTraces does, and refuses one more as it does, whatever the order`, () => {
    // Resource, span and event attributes, key-value list entries and array items all count, nested ones included.
    const empties = (count: number) => Array.from({ length: count }, () => ({}));
    // `total` values: a third in the resource, a third in an event (the rest, with eventsFirst), the rest in the span.
    const withValues = (total: number, eventsFirst = false) => {
      const third = Math.floor(total / 3);
      const inEvent = eventsFirst ? total - third - 1 : third;
      const resource = { attributes: [{ key: 'resource.map', value: { kvlistValue: { values: empties(third - 1) } } }] };
      const events = [{ name: 'log', attributes: [{ key: 'event.map', value: { kvlistValue: { values: empties(inEvent - 1) } } }] }];
      const attributes = [{ key: 'xray.step.sequence', value: { intValue: '3' } }];
      if (!eventsFirst) attributes.push({ key: 'span.list', value: { arrayValue: { values: empties(total - 2 * third - 2) } } } as never);
      // The status last, after every value counted.
      const { attributes: _a, events: _e, status, ...rest } = VALID_SPAN;
      const span = eventsFirst ? { ...rest, events, attributes, status } : { ...rest, attributes, events, status };
      return request(span, undefined, resource);
    };
    expect(expectAgrees(Buffer.from(withValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST)), 'attribute values at the limit')).toEqual({ read: true, refused: false });
    const message = new RegExp(`more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values`);
    const over = withValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1);
    for (const body of [over, withValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1, true)]) {
      expect(() => readJsonTraces(Buffer.from(body), () => {})).toThrow(OtlpDecodeError);
      expect(() => readJsonTraces(Buffer.from(body), () => {})).toThrow(message);
      expect(() => decodeJsonTraces(body)).toThrow(message);
    }
    // A value the schema refuses after the last value counted, in the body's order: both answer with the limit.
    const invalidAfter = edited(over, '"status":{"code":2', '"status":{"code":"two"');
    expect(() => readJsonTraces(Buffer.from(invalidAfter), () => {})).toThrow(message);
    expect(() => decodeJsonTraces(invalidAfter)).toThrow(message);
    // The events' values pass the limit before the span's own attributes, which hold a refused value: the reader
    // stops at the limit in the events, and decodeJsonTraces, which reads attributes first, still answers with the
    // limit, as it counts a span's values before reading any.
    const eventsFirst = edited(withValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1, true), '{"intValue":"3"}', '{"intValue":"3.5"}');
    expect(() => readJsonTraces(Buffer.from(eventsFirst), () => {})).toThrow(message);
    expect(() => decodeJsonTraces(eventsFirst)).toThrow(message);
    // A refused value before the limit is reached: the reader gives up there, and decodeJsonTraces answers with the limit.
    const invalidBefore = edited(over, '{"intValue":"3"}', '{"intValue":"3.5"}');
    expect(readJsonTraces(Buffer.from(invalidBefore), () => {})).toBeUndefined();
    expect(() => decodeJsonTraces(invalidBefore)).toThrow(message);
    // Whichever limit the body passes first is the answer, and a refused value after it (a resource or scope after
    // its spans, events that are not a list) does not change it, in either decoder.
    const ids = '"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"';
    const kvs = `[${Array.from({ length: MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1 }, () => '{}').join(',')}]`;
    const manyEvents = `[${Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => '{}').join(',')}]`;
    const wrap = (span: string, after = '') => `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]${after}}]}]}`;
    const limitFirst: Array<[string, RegExp]> = [
      [wrap(`{${ids},"attributes":${kvs},"events":5}`), message],
      [wrap(`{${ids},"attributes":${kvs},"events":${manyEvents}}`), message],
      [wrap(`{${ids},"events":${manyEvents},"attributes":${kvs}}`), new RegExp(`more than ${MAX_EVENTS_PER_REQUEST} span events`)],
      [wrap(`{${ids},"attributes":${kvs}}`, ',"scope":{"name":5}'), message],
      [`{"resourceSpans":[{"scopeSpans":[{"spans":[{${ids},"attributes":${kvs}}]}],"resource":5}]}`, message],
    ];
    for (const [body, answer] of limitFirst) {
      expect(() => readJsonTraces(Buffer.from(body), () => {})).toThrow(answer);
      expect(() => decodeJsonTraces(body)).toThrow(answer);
    }
    // Snake_case members (which the reader leaves to decodeJsonTraces) count as the camelCase ones do.
    const snake = over.replaceAll('"kvlistValue"', '"kvlist_value"').replaceAll('"arrayValue"', '"array_value"');
    expect(readJsonTraces(Buffer.from(snake), () => {})).toBeUndefined();
    expect(() => decodeJsonTraces(snake)).toThrow(message);
  });

  it('gives up on a body longer than a string can be, which decodeJsonTraces refuses', () => {
    // One valid span, then whitespace up to one byte past V8's longest string: read as bytes it would be accepted.
    const body = Buffer.alloc(bufferConstants.MAX_STRING_LENGTH + 1, 0x20);
    body.write(request(VALID_SPAN), 0, 'latin1');
    expect(readJsonTraces(body, () => {})).toBeUndefined();
    expect(() => decodeJsonTraces(body)).toThrow(OtlpDecodeError);
  });

  const reads: Array<[string, string]> = [
    ['a span with an event, a status and escaped text', request(VALID_SPAN)],
    ['the same, pretty-printed', JSON.stringify(JSON.parse(request(VALID_SPAN)), null, '\t').replace(/\n/g, '\r\n  ')],
    ['the same with a space before every colon (no guessed key matches)', request(VALID_SPAN).replaceAll('":', '" :')],
    // (Not the ResourceSpans and ScopeSpans: their resource and scope must come before their spans.)
    ["the same with each span's, KeyValue's and AnyValue's keys in reverse order", JSON.stringify(JSON.parse(request(VALID_SPAN)), (_key, value: unknown) => {
      const reversible = typeof value === 'object' && value !== null && !Array.isArray(value) && !('spans' in value) && !('scopeSpans' in value);
      return reversible ? Object.fromEntries(Object.entries(value).reverse()) : value;
    })],
    ['keys that start like the guessed ones', request({ ...VALID_SPAN, attributes: [{ keys: 1, key: 'k', valueX: 2, value: { stringValueX: 3, stringValue: 'v' } }], traceIdX: 1 })],
    ['an empty request', '{}'],
    ['no resource spans', '{"resourceSpans":[]}'],
    ['nulls for every message and list', request({ ...VALID_SPAN, attributes: null, events: null, status: null, parentSpanId: null }, null, null)],
    ['null values and members', request({ ...VALID_SPAN, attributes: [{ key: 'a', value: null }, { key: 'b', value: { stringValue: null } }, { key: 'c', value: {} }] })],
    ['times, kind and code as JSON numbers', request({ ...VALID_SPAN, startTimeUnixNano: 1800000000000000000, endTimeUnixNano: 1800000001000000000 })],
    ['kind written 1.0 and code -0', edited(edited(request(VALID_SPAN), '"kind":1', '"kind":1.0'), '"code":2', '"code":-0')],
    ['a 64-bit integer beyond 2^53 and a double as a string', request({ ...VALID_SPAN, attributes: [{ key: 'big', value: { intValue: '9007199254740993' } }, { key: 'd', value: { doubleValue: 'NaN' } }] })],
    ['arrays, lists and bytes, nested', request({ ...VALID_SPAN, attributes: [{ key: 'n', value: { arrayValue: { values: [{ kvlistValue: { values: [{ key: 'x', value: { boolValue: false } }] } }, { bytesValue: '-_8' }] } } }] })],
    ['a __proto__ attribute', request({ ...VALID_SPAN, attributes: [{ key: '__proto__', value: { stringValue: 'not a prototype' } }] })],
    ['escapes of every kind, surrogate pairs and a lone surrogate', edited(request(VALID_SPAN), '"name":"score"', '"name":"s\\u00e9\\ud83d\\ude00\\ud800\\/\\b\\f\\n\\r\\t\\\\\\""')],
    ['UTF-8 text without escapes', request({ ...VALID_SPAN, name: 'décision 😀 判断' })],
    ['unknown fields holding nested values of every kind', edited(request(VALID_SPAN), '"flags":257', '"flags":257,"extra":{"a":[1,-2.5e-3,true,false,null,"x",{"b":[[[]]]}],"c":{}}')],
    ['a span the per-span checks reject', request({ ...VALID_SPAN, traceId: '00'.repeat(16) })],
    ['upper-case hex ids', request({ ...VALID_SPAN, traceId: VALID_SPAN.traceId.toUpperCase() })],
    ['a resource and a scope after lists that hand on no span', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [], scope: { name: 'late' } }], resource: { attributes: [{ key: 'k', value: { stringValue: 'v' } }] } }, { scopeSpans: [], resource: {} }] })],
  ];

  it.each(reads)('reads %s as decodeJsonTraces does', (_label, text) => {
    const outcome = expectAgrees(Buffer.from(text), _label);
    expect(outcome).toEqual({ read: true, refused: false });
  });

  it('reads past a byte order mark as decodeJsonTraces does, and refuses past a limit there without parsing the body whole', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(expectAgrees(Buffer.concat([bom, Buffer.from(request(VALID_SPAN))]), 'a byte order mark')).toEqual({ read: true, refused: false });
    // A byte order mark was a way around the reader's limits to JSON.parse of the whole body.
    const attributes = Array.from({ length: MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1 }, () => ({}));
    const over = Buffer.concat([bom, Buffer.from(request({ ...VALID_SPAN, attributes }))]);
    expect(() => readJsonTraces(over, () => {})).toThrow(new RegExp(`more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values`));
  });

  const spanText = request(VALID_SPAN);
  const givesUp: Array<[string, Buffer]> = [
    ['two byte order marks', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(spanText)])],
    ['bytes that are not UTF-8', Buffer.from(edited(spanText, 'score', 'sc\u00ffore'), 'latin1')],
    ['a key given twice', Buffer.from(edited(spanText, '"name":"score"', '"name":"first","name":"score"'))],
    ['a resource after its spans', Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [VALID_SPAN] }], resource: { attributes: [] } }] }))],
    ['a scope after its spans', Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [VALID_SPAN], scope: { name: 'late' } }] }] }))],
    ['a key with an escape', Buffer.from(edited(spanText, '"traceId"', '"trace\\u0049d"'))],
    ['a snake_case field name', Buffer.from(edited(spanText, '"traceId"', '"trace_id"'))],
    ['an AnyValue with two members', Buffer.from(edited(spanText, '{"stringValue":"exec-1"}', '{"stringValue":"exec-1","intValue":1}'))],
    ['nesting deeper than the reader follows', Buffer.from(edited(spanText, '"flags":257', `"flags":257,"deep":${'['.repeat(100)}${']'.repeat(100)}`))],
    ['a raw control character in a string', Buffer.from(edited(spanText, 'score', 'sc\u0001ore'))],
    ['a bad escape', Buffer.from(edited(spanText, 'score', 'sc\\xore'))],
    ['a number with a leading zero', Buffer.from(edited(spanText, '"kind":1', '"kind":01'))],
    ['a trailing comma', Buffer.from(edited(spanText, '"flags":257', '"flags":257,'))],
    ['text after the request', Buffer.from(`${spanText} x`)],
    ['a cut body', Buffer.from(spanText.slice(0, -3))],
    ['an array', Buffer.from(`[${spanText}]`)],
    ['an empty body', Buffer.alloc(0)],
    ['a value of the wrong type', Buffer.from(edited(spanText, '"kind":1', '"kind":"one"'))],
    ['a null span', Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [null] }] }] }))],
  ];

  it.each(givesUp)('gives up on %s, leaving it to decodeJsonTraces', (label, body) => {
    expect(readOutcome(body), label).toBeUndefined();
    expectAgrees(body, label);
  });
});
