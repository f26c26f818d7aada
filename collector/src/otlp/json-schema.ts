/**
 * zod schemas for an OTLP/JSON ExportTraceServiceRequest, following the
 * "JSON Protobuf Encoding" rules of the OTLP specification:
 * - keys are lowerCamelCase; the proto's snake_case names are accepted too
 *   (some hand-written senders use them), the camelCase key wins if both occur;
 * - traceId / spanId / parentSpanId are hex strings (checked per span later);
 * - enums are integers; 64-bit integers are decimal strings or numbers;
 * - bytes are base64; unknown fields are ignored; `null` means "not set".
 *
 * Each schema outputs the value already normalised (defaults filled in, ints
 * as bigint, AnyValue as AttrValue).
 *
 * This is the description of a valid request, and its issues are the error
 * messages a sender sees. The decoder does not run it on every request:
 * map-json-request.ts reads a valid request in one pass, with the scalar
 * readers exported here, and the schema runs only on a request that pass
 * rejects, to say why (the tests check both accept the same requests).
 */
import { z } from 'zod';
import { int64ToAttr, MAX_ANY_VALUE_DEPTH, setAttribute } from './attributes.js';
import type { AttrValue, Attributes } from '../contracts/spans.js';

/** The snake_case names of the fields read here, and their JSON names. */
const CAMEL_CASE_OF: Readonly<Record<string, string>> = {
  resource_spans: 'resourceSpans',
  scope_spans: 'scopeSpans',
  trace_id: 'traceId',
  span_id: 'spanId',
  parent_span_id: 'parentSpanId',
  start_time_unix_nano: 'startTimeUnixNano',
  end_time_unix_nano: 'endTimeUnixNano',
  time_unix_nano: 'timeUnixNano',
  string_value: 'stringValue',
  bool_value: 'boolValue',
  int_value: 'intValue',
  double_value: 'doubleValue',
  array_value: 'arrayValue',
  kvlist_value: 'kvlistValue',
  bytes_value: 'bytesValue',
};

/** The snake_case field names the schema reads (json-span-reader.ts gives up on them). */
export const SNAKE_CASE_FIELD_NAMES: readonly string[] = Object.keys(CAMEL_CASE_OF);

function acceptSnakeCase(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  let renamed: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const camel = CAMEL_CASE_OF[key];
    if (camel === undefined || Object.hasOwn(record, camel)) continue;
    renamed ??= { ...record };
    renamed[camel] = record[key];
  }
  return renamed ?? record;
}

/** A protobuf message as a JSON object: unknown keys dropped, snake_case accepted. */
function message<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(acceptSnakeCase, z.object(shape));
}

/** A scalar read by hand so the error says what was expected; null/absent -> undefined. */
function scalar<T>(expected: string, read: (value: unknown) => T | undefined) {
  return z
    .unknown()
    .transform((value, ctx): T | undefined => {
      if (value === null) return undefined;
      const result = read(value);
      if (result === undefined) {
        ctx.addIssue({ code: 'custom', message: `expected ${expected}`, input: value });
        return z.NEVER;
      }
      return result;
    })
    .optional();
}

const DECIMAL = /^-?\d{1,20}$/;

function readInteger(value: unknown, min: bigint, max: bigint): bigint | undefined {
  let parsed: bigint | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && DECIMAL.test(value)) parsed = BigInt(value);
  return parsed !== undefined && parsed >= min && parsed <= max ? parsed : undefined;
}

const MAX_UINT64 = 2n ** 64n - 1n;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT32 = -(2n ** 31n);
const MAX_INT32 = 2n ** 31n - 1n;

// The readers below turn one JSON value (never null) into the field's value,
// or undefined when it is not one. The schemas use them, and so does the
// decoder's hand-written fast path, so both read every value alike.

/** A uint64: a JSON integer or a decimal string. */
export function readUint64(value: unknown): bigint | undefined {
  return readInteger(value, 0n, MAX_UINT64);
}

/** An int64: a JSON integer or a decimal string. */
export function readInt64(value: unknown): bigint | undefined {
  return readInteger(value, MIN_INT64, MAX_INT64);
}

/** An int32 or enum (enums are integers in OTLP/JSON). */
export function readInt32(value: unknown): number | undefined {
  const parsed = readInteger(value, MIN_INT32, MAX_INT32);
  return parsed === undefined ? undefined : Number(parsed);
}

const SPECIAL_DOUBLES: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A double: a JSON number, a numeric string, or "NaN" / "Infinity" / "-Infinity". */
export function readDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (Object.hasOwn(SPECIAL_DOUBLES, value)) return SPECIAL_DOUBLES[value];
  const parsed = value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

const BASE64 = /^(?:[A-Za-z0-9+/]*|[A-Za-z0-9_-]*)={0,2}$/;

/** Bytes as standard padded base64, whichever base64 alphabet the sender used. */
export function readBase64(value: unknown): string | undefined {
  return typeof value === 'string' && BASE64.test(value) && value.replace(/=+$/, '').length % 4 !== 1
    ? Buffer.from(value, 'base64').toString('base64')
    : undefined;
}

const uint64 = scalar('an unsigned 64-bit integer (decimal string or number)', readUint64);
const int64 = scalar('a 64-bit integer (decimal string or number)', readInt64);
const int32 = scalar('an integer (enums are integers in OTLP/JSON)', readInt32);
const double = scalar('a number', readDouble);
const base64 = scalar('a base64 string', readBase64);

const text = z.string().nullish().transform((v) => v ?? '');
const bool = z.boolean().nullish();

type KeyValueSchema = z.ZodType<{ key: string; value: AttrValue }>;

function keyValue(value: z.ZodType<AttrValue>): KeyValueSchema {
  return message({ key: text, value: value.nullish() }).transform((kv) => ({ key: kv.key, value: kv.value ?? null }));
}

function toAttributes(list: ReadonlyArray<{ key: string; value: AttrValue }> | null | undefined): Attributes {
  const attributes: Attributes = {};
  for (const kv of list ?? []) setAttribute(attributes, kv.key, kv.value);
  return attributes;
}

const tooDeep = z.unknown().transform((_value, ctx): AttrValue => {
  ctx.addIssue({ code: 'custom', message: `values nest deeper than ${MAX_ANY_VALUE_DEPTH} levels` });
  return z.NEVER;
});

/**
 * The AnyValue schema for nesting level `depth` (a top-level attribute value
 * is level 1). The schema is built level by level instead of with z.lazy so
 * that zod itself never descends further than the limit, however deep the
 * body nests: level MAX+1 accepts nothing.
 */
function anyValueAt(depth: number): z.ZodType<AttrValue> {
  if (depth > MAX_ANY_VALUE_DEPTH) return tooDeep;
  const child = anyValueAt(depth + 1);
  return message({
    stringValue: z.string().nullish(),
    boolValue: bool,
    intValue: int64,
    doubleValue: double,
    arrayValue: message({ values: z.array(child).nullish() }).nullish(),
    kvlistValue: message({ values: z.array(keyValue(child)).nullish() }).nullish(),
    bytesValue: base64,
  }).transform((v): AttrValue => {
    // One member of the oneof is expected; if a sender sets several, the
    // first in field-number order wins. None set is the "empty" AnyValue.
    if (v.stringValue != null) return v.stringValue;
    if (v.boolValue != null) return v.boolValue;
    if (v.intValue !== undefined) return int64ToAttr(v.intValue);
    if (v.doubleValue !== undefined) return v.doubleValue;
    if (v.arrayValue != null) return v.arrayValue.values ?? [];
    if (v.kvlistValue != null) return toAttributes(v.kvlistValue.values);
    if (v.bytesValue !== undefined) return v.bytesValue;
    return null;
  });
}

const attributes = z
  .array(keyValue(anyValueAt(1)))
  .nullish()
  .transform(toAttributes);

const event = message({
  timeUnixNano: uint64.transform((v) => v ?? 0n),
  name: text,
  attributes,
});

const status = message({
  code: int32.transform((v) => v ?? 0),
  message: text,
});

const span = message({
  traceId: text,
  spanId: text,
  parentSpanId: text,
  name: text,
  kind: int32.transform((v) => v ?? 0),
  startTimeUnixNano: uint64.transform((v) => v ?? 0n),
  endTimeUnixNano: uint64.transform((v) => v ?? 0n),
  attributes,
  events: z.array(event).nullish().transform((v) => v ?? []),
  status: status.nullish().transform((v) => v ?? { code: 0, message: '' }),
});

const scope = message({ name: text, version: text });

const scopeSpans = message({
  scope: scope.nullish().transform((v) => v ?? { name: '', version: '' }),
  spans: z.array(span).nullish().transform((v) => v ?? []),
});

const resourceSpans = message({
  resource: message({ attributes }).nullish().transform((v) => v?.attributes ?? {}),
  scopeSpans: z.array(scopeSpans).nullish().transform((v) => v ?? []),
});

/** An OTLP/JSON ExportTraceServiceRequest, parsed into plain normalised values. */
export const exportTraceServiceRequestJson = message({
  resourceSpans: z.array(resourceSpans).nullish().transform((v) => v ?? []),
});

export type ExportTraceServiceRequestJson = z.output<typeof exportTraceServiceRequestJson>;
