/**
 * Seeded random OTLP requests for the differential tests, which decode each
 * body with the collector's decoder and with an independent reference and
 * require the same answer:
 * - randomSpans: ReadableSpan-shaped objects with every attribute type,
 *   events, statuses, several resources and scopes, and now and then a bad
 *   id or time, for the official serializers to encode;
 * - randomProtobufRequest: protobuf written field by field from the OTLP
 *   layout, including what no serializer writes (fields sent twice, wrong
 *   wire types, unknown fields of every wire type, groups, deep nesting,
 *   invalid UTF-8), so the merge rules and limits are compared too;
 * - mutate: random byte edits of any body;
 * - respell, mutateJson, jsonText: OTLP/JSON requests in snake_case or a mix
 *   of spellings, and edited to hold values of the wrong type, keys dropped
 *   or present in both spellings, number literals JSON.stringify never
 *   writes.
 */
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type Random = () => number;

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function int(random: Random, below: number): number {
  return Math.floor(random() * below);
}

function chance(random: Random, p: number): boolean {
  return random() < p;
}

// A small vocabulary, so keys and values repeat within a body (as they do in
// real requests, and as the protobuf decoder's string cache expects) and
// strings of equal length collide in that cache.
const WORDS = [
  '', 'a', 'b', 'k', 'ab', 'ba', 'key', 'kez', 'yek', 'xray.step.status', 'xray.step.statuz', 'http.method',
  'service.name', 'completed', 'failed', 'é', 'ü-key', '日本', '😀', '\uFEFFbom', '\uFFFD', '__proto__',
  'constructor', 'toString', 'hasOwnProperty', 'a.b', 'x'.repeat(31), 'y'.repeat(32), 'z'.repeat(33),
  'application/json', 'w'.repeat(70), 'ascii then é'.repeat(6),
];

export function randomString(random: Random): string {
  const word = pick(random, WORDS);
  return chance(random, 0.2) ? `${word}-${int(random, 50)}` : word;
}

function randomHex(random: Random, bytes: number): string {
  let hex = '';
  for (let i = 0; i < bytes; i++) hex += int(random, 256).toString(16).padStart(2, '0');
  return hex;
}

function randomId(random: Random, bytes: number): string {
  const roll = random();
  if (roll < 0.04) return '00'.repeat(bytes);
  if (roll < 0.06) return randomHex(random, bytes === 16 ? 8 : 4);
  return randomHex(random, bytes);
}

function randomNumber(random: Random): number {
  return pick(random, [
    () => int(random, 100),
    () => -int(random, 1000),
    () => Number.MAX_SAFE_INTEGER - int(random, 3),
    () => -Number.MAX_SAFE_INTEGER + int(random, 3),
    () => 2 ** (53 + int(random, 10)),
    () => -(2 ** 63),
    () => random() * 1000 - 500,
    () => 0.5,
    () => -0,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => 1e300,
  ])();
}

/** Sets a key as an own property, even `__proto__`. */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An attribute value of any type the serializers accept, nested up to `depth` more levels. */
export function randomAttrValue(random: Random, depth: number): unknown {
  const roll = int(random, depth > 0 ? 9 : 6);
  switch (roll) {
    case 0:
      return randomString(random);
    case 1:
      return randomNumber(random);
    case 2:
      return chance(random, 0.5);
    case 3:
      return Uint8Array.from({ length: int(random, 6) }, () => int(random, 256));
    case 4:
      return chance(random, 0.5) ? null : undefined;
    case 5:
      return Math.trunc(randomNumber(random)) || 7;
    case 6:
    case 7:
      return Array.from({ length: int(random, 4) }, () => randomAttrValue(random, depth - 1));
    default: {
      const map: Record<string, unknown> = {};
      for (let i = int(random, 4); i > 0; i--) defineKey(map, randomString(random), randomAttrValue(random, depth - 1));
      return map;
    }
  }
}

export function randomAttributes(random: Random): Record<string, unknown> {
  const attributes: Record<string, unknown> = {};
  for (let i = int(random, 6); i > 0; i--) {
    defineKey(attributes, randomString(random), randomAttrValue(random, chance(random, 0.05) ? 40 : 3));
  }
  return attributes;
}

function randomTime(random: Random): HrTime {
  return [1_700_000_000 + int(random, 1_000_000), int(random, 1_000_000_000)];
}

/**
 * Spans as the SDK hands them to an exporter (the fields the serializers
 * read), spread over a few resources and scopes. Most are valid; some have a
 * zero or short id, a missing start or an end before the start.
 */
export function randomSpans(random: Random): ReadableSpan[] {
  const resources = Array.from({ length: 1 + int(random, 3) }, () => ({ attributes: randomAttributes(random) }));
  const scopes = Array.from({ length: 1 + int(random, 3) }, () => ({
    name: randomString(random),
    version: chance(random, 0.5) ? randomString(random) : undefined,
  }));
  return Array.from({ length: int(random, 7) }, () => {
    const start = chance(random, 0.03) ? ([0, 0] as HrTime) : randomTime(random);
    const end: HrTime = chance(random, 0.05)
      ? [start[0] - 1, start[1]]
      : [start[0] + int(random, 5), start[1]];
    const traceId = randomId(random, 16);
    const spanContext = { traceId, spanId: randomId(random, 8), traceFlags: 1 };
    const parentSpanContext = chance(random, 0.5)
      ? { traceId, spanId: chance(random, 0.1) ? '00'.repeat(8) : randomId(random, 8), traceFlags: 1 }
      : undefined;
    return {
      name: randomString(random),
      kind: int(random, 5),
      spanContext: () => spanContext,
      parentSpanContext,
      startTime: start,
      endTime: end,
      attributes: randomAttributes(random),
      droppedAttributesCount: 0,
      events: Array.from({ length: int(random, 3) }, () => ({
        name: randomString(random),
        time: randomTime(random),
        attributes: chance(random, 0.7) ? randomAttributes(random) : undefined,
        droppedAttributesCount: 0,
      })),
      droppedEventsCount: 0,
      status: { code: int(random, 3), message: chance(random, 0.3) ? randomString(random) : undefined },
      links: [],
      droppedLinksCount: 0,
      instrumentationScope: pick(random, scopes),
      resource: pick(random, resources),
      duration: [0, 0],
      ended: true,
    } as unknown as ReadableSpan;
  });
}

// Protobuf written by hand.

function varint(value: bigint): number[] {
  const bytes: number[] = [];
  let rest = BigInt.asUintN(64, value);
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

function tag(field: number, wireType: number): number[] {
  return varint(BigInt(field * 8 + wireType));
}

function len(field: number, payload: number[]): number[] {
  return [...tag(field, 2), ...varint(BigInt(payload.length)), ...payload];
}

function fixed64(field: number, value: bigint): number[] {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt.asUintN(64, value));
  return [...tag(field, 1), ...bytes];
}

function utf8Bytes(random: Random): number[] {
  const roll = random();
  // Invalid UTF-8 now and then: a lone continuation byte, a surrogate, an
  // overlong form, a sequence cut short.
  if (roll < 0.002) return pick(random, [[0x80], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0x61, 0xe2, 0x82], [0xff]]);
  return [...Buffer.from(randomString(random))];
}

function randomBytes(random: Random, length: number): number[] {
  return Array.from({ length }, () => int(random, 256));
}

function randomVarint(random: Random): number[] {
  if (chance(random, 0.9)) return varint(BigInt(int(random, 2 ** 20)));
  return pick(random, [
    () => varint(BigInt(int(random, 200))),
    () => varint(BigInt(int(random, 2 ** 31)) * BigInt(int(random, 2 ** 31))),
    () => varint(-BigInt(1 + int(random, 100))),
    // 10 bytes and more: longer is allowed only where the field is skipped.
    () => [...Array.from({ length: 9 + int(random, 3) }, () => 0x80 | int(random, 128)), int(random, 2)],
    // Padded with redundant continuation bytes.
    () => [0x81, 0x80, 0x80, 0x00],
  ])();
}

/** A value of wire type `wireType` (with its tag) for field `field`. */
function randomField(random: Random, field: number, wireType: number, depth: number): number[] {
  switch (wireType) {
    case 0:
      return [...tag(field, 0), ...randomVarint(random)];
    case 1:
      return [...tag(field, 1), ...randomBytes(random, 8)];
    case 2:
      return len(field, randomBytes(random, int(random, 6)));
    case 3: {
      const inner: number[] = [];
      for (let i = int(random, 3); i > 0 && depth < 4; i--) {
        inner.push(...randomField(random, 1 + int(random, 20), pick(random, [0, 1, 2, 3, 5]), depth + 1));
      }
      const endField = chance(random, 0.97) ? field : field + 1;
      return [...tag(field, 3), ...inner, ...tag(endField, 4)];
    }
    default:
      return [...tag(field, 5), ...randomBytes(random, 4)];
  }
}

/**
 * Now and then a field the decoders must skip: an unknown field of any wire
 * type, a known field number with another wire type, or (rarely) a field
 * neither accepts.
 */
function noise(random: Random, out: number[]): void {
  if (!chance(random, 0.08)) return;
  const roll = random();
  if (roll < 0.01) out.push(...pick(random, [[0x0e, 0x00], [0x0f, 0x00], [0x0c], [0x02, 0x00], [0x00]]));
  else out.push(...randomField(random, 1 + int(random, roll < 0.5 ? 16 : 3000), pick(random, [0, 1, 2, 3, 5]), 0));
}

/** Writes `count` fields from `writers`, in random order, with noise between them. */
function message(random: Random, count: number, writers: Array<() => number[]>): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    noise(random, out);
    out.push(...pick(random, writers)());
  }
  noise(random, out);
  return out;
}

/**
 * An AnyValue at nesting level `level`. Below `chainTo` it is an array or
 * kvlist that holds the next level (a deep chain, for the depth limits);
 * otherwise one member, now and then none or several (the last one wins).
 */
function anyValue(random: Random, level: number, chainTo: number): number[] {
  const array = (count: number, chain = 0) =>
    len(5, message(random, count, [() => len(1, anyValue(random, level + 1, chain))]));
  const kvlist = (count: number, chain = 0) =>
    len(6, message(random, count, [() => len(1, keyValue(random, level + 1, chain))]));
  if (level < chainTo) {
    // One item carries the chain on; a shallow sibling may come before or after it.
    const chained = chance(random, 0.5) ? array(1, chainTo) : kvlist(1, chainTo);
    if (!chance(random, 0.03)) return chained;
    const sibling = chance(random, 0.5) ? array(1) : kvlist(1);
    return chance(random, 0.5) ? [...sibling, ...chained] : [...chained, ...sibling];
  }
  const writers = [
    () => len(1, utf8Bytes(random)),
    () => [...tag(2, 0), ...pick(random, [[0], [1], [0x80, 0x00], [0x80, 0x01], [2]])],
    () => [...tag(3, 0), ...randomVarint(random).slice(0, 10)],
    () => [...tag(4, 1), ...randomBytes(random, 8)],
    () => len(7, randomBytes(random, int(random, 5))),
  ];
  if (level < 4) writers.push(() => array(int(random, 3)), () => kvlist(int(random, 3)));
  const members = chance(random, 0.85) ? 1 : int(random, 4);
  return message(random, members, writers);
}

/** A KeyValue: usually key then value; sometimes either missing, repeated or reversed. */
function keyValue(random: Random, level: number, chainTo = 0): number[] {
  // A chain of 30 to 41 levels crosses MAX_ANY_VALUE_DEPTH (32) and, past
  // about 38 (a kvlist level is three messages, an array level two),
  // protobufjs's limit of 100 nested messages.
  const chain = level === 1 && chance(random, 0.1) ? 30 + int(random, 12) : chainTo;
  const key = () => len(1, utf8Bytes(random));
  const value = () => len(2, anyValue(random, level, chain));
  if (chain > level || chance(random, 0.85)) {
    const out = [...key(), ...value()];
    noise(random, out);
    return out;
  }
  return message(random, int(random, 4), [key, value]);
}

function id(random: Random, bytes: number): number[] {
  const roll = random();
  if (roll < 0.02) return [];
  if (roll < 0.04) return Array<number>(bytes).fill(0);
  if (roll < 0.05) return randomBytes(random, int(random, 20));
  return randomBytes(random, bytes);
}

function span(random: Random): number[] {
  const start = BigInt(1_700_000_000) * 1_000_000_000n + BigInt(int(random, 2 ** 30));
  const time = () => (chance(random, 0.02) ? 0n : chance(random, 0.03) ? 2n ** 64n - 1n : start + BigInt(int(random, 1000)));
  const required = [
    ...len(1, id(random, 16)),
    ...len(2, id(random, 8)),
    ...fixed64(7, time()),
    ...fixed64(8, time() + 1000n),
  ];
  const optional = message(random, int(random, 8), [
    () => len(1, id(random, 16)),
    () => len(2, id(random, 8)),
    () => len(4, id(random, 8)),
    () => len(5, utf8Bytes(random)),
    () => [...tag(6, 0), ...randomVarint(random).slice(0, 10)],
    () => fixed64(7, time()),
    () => fixed64(8, time()),
    () => len(9, keyValue(random, 1)),
    () => len(9, keyValue(random, 1)),
    () => len(11, message(random, int(random, 4), [
      () => fixed64(1, time()),
      () => len(2, utf8Bytes(random)),
      () => len(3, keyValue(random, 1)),
    ])),
    () => len(15, message(random, int(random, 3), [
      () => len(2, utf8Bytes(random)),
      () => [...tag(3, 0), ...randomVarint(random).slice(0, 10)],
    ])),
  ]);
  return chance(random, 0.5) ? [...required, ...optional] : [...optional, ...required];
}

/** A random ExportTraceServiceRequest written field by field. */
export function randomProtobufRequest(random: Random): Buffer {
  const scope = () => message(random, int(random, 3), [() => len(1, utf8Bytes(random)), () => len(2, utf8Bytes(random))]);
  const scopeSpans = () => message(random, 1 + int(random, 5), [() => len(1, scope()), () => len(2, span(random)), () => len(2, span(random))]);
  const resource = () => message(random, int(random, 3), [() => len(1, keyValue(random, 1))]);
  const resourceSpans = () => message(random, 1 + int(random, 3), [() => len(1, resource()), () => len(2, scopeSpans()), () => len(2, scopeSpans())]);
  return Buffer.from(message(random, chance(random, 0.03) ? 0 : 1 + int(random, 2), [() => len(1, resourceSpans())]));
}

/** One to four random edits: a byte changed, the tail cut off, bytes inserted or dropped. */
export function mutate(body: Buffer, random: Random): Buffer {
  let out = Buffer.from(body);
  for (let edit = 1 + int(random, 4); edit > 0; edit--) {
    const at = int(random, out.length);
    switch (int(random, 4)) {
      case 0:
        if (out.length > 0) out[at] = int(random, 256);
        break;
      case 1:
        out = out.subarray(0, at);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(randomBytes(random, 1 + int(random, 3))), out.subarray(at)]);
        break;
      default:
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + int(random, 8))]);
    }
  }
  return out;
}

// OTLP/JSON edits.

type JsonContainer = Record<string, unknown> | unknown[];

/** Every object and array inside `root` (root included). */
function containers(root: unknown, out: JsonContainer[] = []): JsonContainer[] {
  if (typeof root !== 'object' || root === null) return out;
  out.push(root as JsonContainer);
  for (const child of Object.values(root)) containers(child, out);
  return out;
}

/** A JSON value of some type a field may or may not accept. */
function randomJsonValue(random: Random): unknown {
  if (chance(random, 0.15)) {
    return rawJson(pick(random, ['-0', '-0.0', '1.0', '1E2', '1e400', '-1e400', '123456789012345678901234567890', '5e-324']));
  }
  return pick(random, [
    () => null,
    () => 0,
    () => -0,
    () => int(random, 10),
    () => -1,
    () => 1.5,
    () => 2 ** 31,
    () => 1e20,
    () => 2 ** 63,
    () => '12',
    () => '-12',
    () => '007',
    () => ' 7 ',
    () => '1e3',
    () => '0x10',
    () => '',
    () => 'NaN',
    () => '-Infinity',
    () => '18446744073709551615',
    () => '18446744073709551616',
    () => '9223372036854775808',
    () => 'AAEC+/8=',
    () => '-_8',
    () => 'abc',
    () => randomString(random),
    () => 'ab'.repeat(16),
    () => 'AB'.repeat(8),
    () => true,
    () => false,
    () => [],
    () => [null],
    () => [{}],
    () => ({}),
    () => ({ stringValue: 'x' }),
    () => ({ values: [{ stringValue: 'x' }, null] }),
    () => ({ key: 'k', value: { intValue: '1' } }),
  ])();
}

/** Number literals JSON.stringify never writes; jsonText puts them in the text as they are. */
function rawJson(literal: string): string {
  return `@@raw:${literal}@@`;
}

/** The JSON text of a request that may hold rawJson values. */
export function jsonText(root: unknown): string {
  return JSON.stringify(root).replace(/"@@raw:([^"@]*)@@"/g, '$1');
}

const SNAKE_OR_CAMEL: Readonly<Record<string, string>> = {
  resourceSpans: 'resource_spans', scopeSpans: 'scope_spans', traceId: 'trace_id', spanId: 'span_id',
  parentSpanId: 'parent_span_id', startTimeUnixNano: 'start_time_unix_nano', endTimeUnixNano: 'end_time_unix_nano',
  timeUnixNano: 'time_unix_nano', stringValue: 'string_value', boolValue: 'bool_value', intValue: 'int_value',
  doubleValue: 'double_value', arrayValue: 'array_value', kvlistValue: 'kvlist_value', bytesValue: 'bytes_value',
};
for (const [camel, snake] of Object.entries({ ...SNAKE_OR_CAMEL })) (SNAKE_OR_CAMEL as Record<string, string>)[snake] = camel;

/** Renames the keys of every object (or, with `share` < 1, of some) to their other spelling. */
export function respell(root: unknown, random: Random, share: number): unknown {
  if (Array.isArray(root)) return root.map((item) => respell(item, random, share));
  if (typeof root !== 'object' || root === null) return root;
  const out: Record<string, unknown> = {};
  const rename = random() < share;
  for (const [key, value] of Object.entries(root)) {
    const other = SNAKE_OR_CAMEL[key];
    defineKey(out, rename && other !== undefined ? other : key, respell(value, random, share));
  }
  return out;
}

const ANY_VALUE_KEYS = Object.keys(SNAKE_OR_CAMEL).filter((key) => /[vV]alue$/.test(key));

/**
 * One to three edits of a parsed request: a value replaced by one of another
 * type, a key deleted, renamed to its other spelling or added with a value
 * of its own (so both spellings may be present), an array element dropped.
 */
export function mutateJson(root: Record<string, unknown>, random: Random): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(root)) as Record<string, unknown>;
  const all = containers(copy);
  const anyValues = all.filter((item) => !Array.isArray(item) && Object.keys(item).some((key) => /[vV]alue$/.test(key) && key !== 'value'));
  for (let edit = 1 + int(random, 3); edit > 0; edit--) {
    if (anyValues.length > 0 && chance(random, 0.3)) {
      // An AnyValue with one or two members of any spelling and value.
      const target = pick(random, anyValues) as Record<string, unknown>;
      for (const key of Object.keys(target)) if (chance(random, 0.7)) delete target[key];
      for (let i = 1 + int(random, 2); i > 0; i--) defineKey(target, pick(random, ANY_VALUE_KEYS), randomJsonValue(random));
      continue;
    }
    const target = pick(random, all);
    if (Array.isArray(target)) {
      if (target.length === 0) target.push(randomJsonValue(random));
      else if (chance(random, 0.3)) target.splice(int(random, target.length), 1);
      else target[int(random, target.length)] = randomJsonValue(random);
      continue;
    }
    const keys = Object.keys(target);
    const key = keys.length > 0 && chance(random, 0.8) ? pick(random, keys) : pick(random, Object.keys(SNAKE_OR_CAMEL));
    const roll = random();
    if (roll < 0.15) {
      delete target[key];
    } else if (roll < 0.35 && SNAKE_OR_CAMEL[key] !== undefined) {
      // The other spelling, next to this one or instead of it.
      const value = chance(random, 0.5) ? target[key] : randomJsonValue(random);
      if (chance(random, 0.5)) delete target[key];
      defineKey(target, SNAKE_OR_CAMEL[key], value);
    } else {
      defineKey(target, key, randomJsonValue(random));
    }
  }
  return copy;
}
