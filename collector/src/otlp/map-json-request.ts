/**
 * The fast path of the OTLP/JSON decoder: one pass over the parsed request
 * that checks each value's type as it reads it and builds the DecodeResult
 * straight away. It reads exactly what the zod schema in json-schema.ts
 * accepts (snake_case keys included, the camelCase one winning; null as "not
 * set"; the same scalar readers) and gives the same result. At the first
 * value the schema would reject it gives up and returns undefined; the
 * decoder then runs the schema, whose issues make the error message, so
 * the schema stays the one description of a valid request.
 *
 * Validating by hand is done because zod's walk, its copies of every object
 * and the snake_case normalisation cost more than the mapping itself.
 */
import { int64ToAttr, MAX_ANY_VALUE_DEPTH, setAttribute } from './attributes.js';
import { createDecodeResultBuilder, type DecodeResultBuilder } from './decode-result.js';
import { readBase64, readDouble, readInt32, readInt64, readUint64 } from './json-schema.js';
import { findSpanProblem, normalizeParentSpanId } from './span-validation.js';
import type { AttrValue, Attributes, DecodedEvent, DecodeResult } from '../contracts/spans.js';

type JsonObject = Record<string, unknown>;

/**
 * Thrown (never to callers) at the first value the schema would reject;
 * json-span-reader.ts, which reads values with the functions below, catches
 * it too.
 */
export const INVALID = Symbol('invalid OTLP/JSON value');

export function invalid(): never {
  throw INVALID;
}

/**
 * A field that holds a message: undefined when absent or null, the object
 * otherwise. (A JSON value is never undefined, so `undefined` means absent:
 * that is how the camelCase key wins over the snake_case one below.)
 */
function message(value: unknown): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) invalid();
  return value as JsonObject;
}

/** An element of a repeated message field: an object, never null. */
function element(value: unknown): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid();
  return value as JsonObject;
}

function repeated(value: unknown): unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) invalid();
  return value;
}

export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return invalid();
}

export function uint64(value: unknown): bigint {
  if (value === undefined || value === null) return 0n;
  const parsed = readUint64(value);
  return parsed === undefined ? invalid() : parsed;
}

export function int32(value: unknown): number {
  // An int32 JSON number is itself (0 for -0, as the schema's bigint round trip gives).
  if (typeof value === 'number' && (value | 0) === value) return value | 0;
  if (value === undefined || value === null) return 0;
  const parsed = readInt32(value);
  return parsed === undefined ? invalid() : parsed;
}

export function int64Attr(value: unknown): number | string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value + 0;
  const parsed = readInt64(value);
  return parsed === undefined ? invalid() : int64ToAttr(parsed);
}

/** A list of KeyValue whose values nest at `level`, set one by one on `target`. */
function keyValues(list: unknown[], level: number, target: Attributes): Attributes {
  for (let i = 0; i < list.length; i++) {
    const kv = element(list[i]);
    const raw = kv.value;
    let value: AttrValue = null;
    if (raw !== undefined && raw !== null) {
      // The schema accepts no value at all below the deepest level.
      if (level > MAX_ANY_VALUE_DEPTH) invalid();
      value = anyValue(element(raw), level);
    }
    setAttribute(target, text(kv.key), value);
  }
  return target;
}

/** A parsed JSON object, or undefined for anything else (the counters below read without checking). */
function objectOrUndefined(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/**
 * The attribute values a KeyValue list (whose values nest at `level`) holds,
 * nested ones included, counted as the readers count them as they read: one
 * a KeyValue, one an array item. It checks nothing (whatever is not the
 * expected shape counts nothing), for countJsonRequest, which counts before
 * anything is checked.
 */
function countKeyValues(list: unknown, level: number): number {
  if (!Array.isArray(list)) return 0;
  let count = list.length;
  if (level > MAX_ANY_VALUE_DEPTH) return count;
  for (let i = 0; i < list.length; i++) {
    const value = objectOrUndefined(objectOrUndefined(list[i])?.value);
    if (value !== undefined) count += countAnyValue(value, level);
  }
  return count;
}

/** The values nested in an AnyValue at `level`: its array's items and its key-value list's entries, as anyValue reads them. */
function countAnyValue(value: JsonObject, level: number): number {
  let count = 0;
  const array = objectOrUndefined(value.arrayValue === undefined ? value.array_value : value.arrayValue);
  if (array !== undefined && Array.isArray(array.values)) {
    const items = array.values;
    count += items.length;
    if (level + 1 <= MAX_ANY_VALUE_DEPTH) {
      for (let i = 0; i < items.length; i++) {
        const item = objectOrUndefined(items[i]);
        if (item !== undefined) count += countAnyValue(item, level + 1);
      }
    }
  }
  const kvlist = objectOrUndefined(value.kvlistValue === undefined ? value.kvlist_value : value.kvlistValue);
  if (kvlist !== undefined) count += countKeyValues(kvlist.values, level + 1);
  return count;
}

/**
 * Counts a parsed request's span events and attribute values in the order
 * its body holds them (JSON.parse keeps an object's keys in their order;
 * where a camelCase and a snake_case key name one field, the one the mapper
 * reads), before anything of it is mapped or checked: the request is refused
 * at the first limit it passes in its body, whatever else is wrong in it.
 * The span reader counts in the same order as it reads, so where it refuses
 * a body for a limit, decodeJsonTraces refuses it for the same one (where it
 * gives up first, decodeJsonTraces answers anyway).
 *
 * @example
 * countJsonRequest(JSON.parse(body)); // throws OtlpDecodeError past a limit
 */
export function countJsonRequest(request: JsonObject): void {
  const counter = createDecodeResultBuilder();
  const resourceSpansKey = request.resourceSpans === undefined ? 'resource_spans' : 'resourceSpans';
  for (const resourceSpans of listOf(request[resourceSpansKey])) {
    const scopeSpansKey = resourceSpans.scopeSpans === undefined ? 'scope_spans' : 'scopeSpans';
    for (const key in resourceSpans) {
      if (key === 'resource') counter.countAttributeValues(countKeyValues(objectOrUndefined(resourceSpans.resource)?.attributes, 1));
      else if (key === scopeSpansKey) {
        for (const scopeSpans of listOf(resourceSpans[key])) for (const span of listOf(scopeSpans.spans)) countSpan(span, counter);
      }
    }
  }
}

/** The objects of a list (anything else in it, or a list that is not one, counts nothing). */
function listOf(value: unknown): JsonObject[] {
  if (!Array.isArray(value)) return [];
  const objects: JsonObject[] = [];
  for (const item of value) {
    const object = objectOrUndefined(item);
    if (object !== undefined) objects.push(object);
  }
  return objects;
}

/** A span's attribute values and events, in its keys' order; each event, then its attribute values. */
function countSpan(span: JsonObject, counter: DecodeResultBuilder): void {
  for (const key in span) {
    if (key === 'attributes') counter.countAttributeValues(countKeyValues(span.attributes, 1));
    else if (key === 'events' && Array.isArray(span.events)) {
      for (const item of span.events) {
        counter.countEvents(1);
        const event = objectOrUndefined(item);
        if (event !== undefined) counter.countAttributeValues(countKeyValues(event.attributes, 1));
      }
    }
  }
}

function attributes(value: unknown): Attributes {
  const list = repeated(value);
  return list === undefined ? {} : keyValues(list, 1, {});
}

/**
 * An AnyValue at nesting level `level`. Every member is checked, as the
 * schema checks them; if several are set, the first in field-number order
 * wins. The keys are walked (rather than read by name) because AnyValue
 * objects come in many shapes, and a walk costs the same for each.
 */
function anyValue(value: JsonObject, level: number): AttrValue {
  let stringValue: unknown;
  let boolValue: unknown;
  let intValue: unknown;
  let doubleValue: unknown;
  let arrayValue: unknown;
  let kvlistValue: unknown;
  let bytesValue: unknown;
  for (const key in value) {
    switch (key) {
      case 'stringValue':
        stringValue = value[key];
        break;
      case 'boolValue':
        boolValue = value[key];
        break;
      case 'intValue':
        intValue = value[key];
        break;
      case 'doubleValue':
        doubleValue = value[key];
        break;
      case 'arrayValue':
        arrayValue = value[key];
        break;
      case 'kvlistValue':
        kvlistValue = value[key];
        break;
      case 'bytesValue':
        bytesValue = value[key];
        break;
      // A snake_case key counts only when its camelCase twin is absent.
      case 'string_value':
        if (value.stringValue === undefined) stringValue = value[key];
        break;
      case 'bool_value':
        if (value.boolValue === undefined) boolValue = value[key];
        break;
      case 'int_value':
        if (value.intValue === undefined) intValue = value[key];
        break;
      case 'double_value':
        if (value.doubleValue === undefined) doubleValue = value[key];
        break;
      case 'array_value':
        if (value.arrayValue === undefined) arrayValue = value[key];
        break;
      case 'kvlist_value':
        if (value.kvlistValue === undefined) kvlistValue = value[key];
        break;
      case 'bytes_value':
        if (value.bytesValue === undefined) bytesValue = value[key];
        break;
    }
  }
  // Check every member, then pick one.
  if (stringValue === null) stringValue = undefined;
  else if (stringValue !== undefined && typeof stringValue !== 'string') invalid();
  if (boolValue === null) boolValue = undefined;
  else if (boolValue !== undefined && typeof boolValue !== 'boolean') invalid();
  const int = intValue === undefined || intValue === null ? undefined : int64Attr(intValue);
  let double: number | undefined;
  if (doubleValue !== undefined && doubleValue !== null) double = readDouble(doubleValue) ?? invalid();
  const array = message(arrayValue);
  let items: AttrValue[] | undefined;
  if (array !== undefined) {
    const list = repeated(array.values);
    items = [];
    if (list !== undefined) {
      // The schema rejects any item below the deepest level.
      if (list.length > 0 && level + 1 > MAX_ANY_VALUE_DEPTH) invalid();
      for (let i = 0; i < list.length; i++) items.push(anyValue(element(list[i]), level + 1));
    }
  }
  const kvlist = message(kvlistValue);
  let entries: Attributes | undefined;
  if (kvlist !== undefined) {
    const list = repeated(kvlist.values);
    entries = list === undefined ? {} : keyValues(list, level + 1, {});
  }
  let bytes: string | undefined;
  if (bytesValue !== undefined && bytesValue !== null) bytes = readBase64(bytesValue) ?? invalid();

  if (stringValue !== undefined) return stringValue as string;
  if (boolValue !== undefined) return boolValue as boolean;
  if (int !== undefined) return int;
  if (double !== undefined) return double;
  if (items !== undefined) return items;
  if (entries !== undefined) return entries;
  if (bytes !== undefined) return bytes;
  return null;
}

function event(value: unknown): DecodedEvent {
  const event = element(value);
  let time = event.timeUnixNano;
  if (time === undefined) time = event.time_unix_nano;
  // The schema's output object, keys in its order.
  return { timeUnixNano: uint64(time), name: text(event.name), attributes: attributes(event.attributes) } as DecodedEvent;
}

function mapSpan(
  value: unknown,
  scopeWhere: string,
  index: number,
  resource: Attributes,
  scope: { name: string; version: string },
  result: DecodeResultBuilder,
): void {
  const span = element(value);
  let traceId = span.traceId;
  if (traceId === undefined) traceId = span.trace_id;
  let spanId = span.spanId;
  if (spanId === undefined) spanId = span.span_id;
  let parentSpanId = span.parentSpanId;
  if (parentSpanId === undefined) parentSpanId = span.parent_span_id;
  let start = span.startTimeUnixNano;
  if (start === undefined) start = span.start_time_unix_nano;
  let end = span.endTimeUnixNano;
  if (end === undefined) end = span.end_time_unix_nano;
  // Everything is read (and so checked) before the span can be rejected:
  // the schema checks rejected spans too.
  const fields: JsonSpanFields = {
    traceId,
    spanId,
    parentSpanId,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    name: span.name,
    kind: span.kind,
    attributes: attributes(span.attributes),
    events: [],
    status: { code: 0, message: '' },
  };
  const eventList = repeated(span.events);
  if (eventList !== undefined) for (let i = 0; i < eventList.length; i++) fields.events.push(event(eventList[i]));
  const statusMessage = message(span.status);
  if (statusMessage !== undefined) fields.status = { code: int32(statusMessage.code), message: text(statusMessage.message) };
  emitSpan(fields, scopeWhere, index, resource, scope, result);
}

/**
 * A span's fields as the JSON held them: ids, times, name and kind as
 * JSON.parse gives them (undefined when absent), the rest already read.
 */
export interface JsonSpanFields {
  traceId: unknown;
  spanId: unknown;
  parentSpanId: unknown;
  startTimeUnixNano: unknown;
  endTimeUnixNano: unknown;
  name: unknown;
  kind: unknown;
  attributes: Attributes;
  events: DecodedEvent[];
  status: { code: number; message: string };
}

/**
 * Checks a span's scalars as the schema does (INVALID at a wrong type), then
 * accepts it or rejects it on the per-span checks; both readers of OTLP/JSON
 * end each span here. The span is `spans[index]` of the scope at
 * `scopeWhere`; its path is written out only for a rejection.
 */
export function emitSpan(
  fields: JsonSpanFields,
  scopeWhere: string,
  index: number,
  resource: Attributes,
  scope: { name: string; version: string },
  result: DecodeResultBuilder,
): void {
  const identity = {
    // Hex is case-insensitive in OTLP/JSON; stored ids are lowercase.
    traceId: text(fields.traceId).toLowerCase(),
    spanId: text(fields.spanId).toLowerCase(),
    parentSpanId: text(fields.parentSpanId).toLowerCase(),
    startTimeUnixNano: uint64(fields.startTimeUnixNano),
    endTimeUnixNano: uint64(fields.endTimeUnixNano),
  };
  const name = text(fields.name);
  const kind = int32(fields.kind);
  const problem = findSpanProblem(identity);
  if (problem !== undefined) {
    result.reject(`${scopeWhere}.spans[${index}]`, name, problem);
    return;
  }
  result.accept({
    traceId: identity.traceId,
    spanId: identity.spanId,
    parentSpanId: normalizeParentSpanId(identity.parentSpanId),
    startTimeUnixNano: identity.startTimeUnixNano,
    endTimeUnixNano: identity.endTimeUnixNano,
    name,
    kind,
    attributes: fields.attributes,
    events: fields.events,
    status: fields.status,
    resource,
    scope,
  });
}

function mapScopeSpans(value: unknown, where: string, resource: Attributes, result: DecodeResultBuilder): void {
  const scopeSpans = element(value);
  const scopeMessage = message(scopeSpans.scope);
  const scope =
    scopeMessage === undefined
      ? { name: '', version: '' }
      : { name: text(scopeMessage.name), version: text(scopeMessage.version) };
  const spans = repeated(scopeSpans.spans);
  if (spans === undefined) return;
  for (let i = 0; i < spans.length; i++) mapSpan(spans[i], where, i, resource, scope, result);
}

function mapResourceSpans(value: unknown, where: string, result: DecodeResultBuilder): void {
  const resourceSpans = element(value);
  const resourceMessage = message(resourceSpans.resource);
  const resource = resourceMessage === undefined ? {} : attributes(resourceMessage.attributes);
  let scopeSpansValue = resourceSpans.scopeSpans;
  if (scopeSpansValue === undefined) scopeSpansValue = resourceSpans.scope_spans;
  const scopeSpans = repeated(scopeSpansValue);
  if (scopeSpans === undefined) return;
  for (let i = 0; i < scopeSpans.length; i++) mapScopeSpans(scopeSpans[i], `${where}.scopeSpans[${i}]`, resource, result);
}

/**
 * Maps a parsed OTLP/JSON ExportTraceServiceRequest (a JSON object) to its
 * DecodeResult, or returns undefined if the schema would reject any part of
 * it.
 */
export function mapJsonRequest(request: JsonObject): DecodeResult | undefined {
  const result = createDecodeResultBuilder();
  try {
    let resourceSpansValue = request.resourceSpans;
    if (resourceSpansValue === undefined) resourceSpansValue = request.resource_spans;
    const resourceSpans = repeated(resourceSpansValue);
    if (resourceSpans !== undefined) {
      for (let i = 0; i < resourceSpans.length; i++) mapResourceSpans(resourceSpans[i], `resourceSpans[${i}]`, result);
    }
  } catch (error) {
    if (error === INVALID) return undefined;
    throw error;
  }
  return result.finish();
}
