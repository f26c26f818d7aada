/**
 * REFERENCE, for tests only: the protobuf decoder as the collector had it
 * before src/otlp/decode-protobuf.ts was written by hand. protobufjs reads
 * the wire format against the descriptor in proto-schema.ts; this maps its
 * messages to the decoded shape. The differential tests require the hand
 * decoder to agree with it on every body, so it is kept as it was; change it
 * only if the collector's behaviour is meant to change.
 */
import { int64ToAttr, MAX_ANY_VALUE_DEPTH, setAttribute } from '../../../../src/otlp/attributes.js';
import { createDecodeResultBuilder } from '../../../../src/otlp/decode-result.js';
import { OtlpDecodeError } from '../../../../src/otlp/errors.js';
import { ExportTraceServiceRequest } from '../../../../src/otlp/proto-schema.js';
import { findSpanProblem, normalizeParentSpanId } from '../../../../src/otlp/span-validation.js';
import type { AttrValue, Attributes, DecodedEvent, DecodeResult } from '../../../../src/contracts/spans.js';

// The shapes protobufjs hands back for the declared fields. 64-bit fields come
// as Long objects ({ low, high }); an absent bytes field is an empty array and
// an absent message field is null.
interface LongBits {
  low: number;
  high: number;
}
type Int64 = LongBits | number;
type Bytes = ArrayLike<number>;

interface PbAnyValue {
  /** protobufjs's virtual oneof getter: the name of the member that is set. */
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: Int64;
  doubleValue?: number;
  arrayValue?: { values: PbAnyValue[] } | null;
  kvlistValue?: { values: PbKeyValue[] } | null;
  bytesValue?: Bytes;
}
interface PbKeyValue {
  key: string;
  value: PbAnyValue | null;
}
interface PbEvent {
  timeUnixNano: Int64;
  name: string;
  attributes: PbKeyValue[];
}
interface PbSpan {
  traceId: Bytes;
  spanId: Bytes;
  parentSpanId: Bytes;
  name: string;
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: PbKeyValue[];
  events: PbEvent[];
  status: { code: number; message: string } | null;
}
interface PbRequest {
  resourceSpans: Array<{
    resource: { attributes: PbKeyValue[] } | null;
    scopeSpans: Array<{ scope: { name: string; version: string } | null; spans: PbSpan[] }>;
  }>;
}

function toBuffer(bytes: Bytes): Buffer {
  // Given a Buffer body, protobufjs already hands out Buffer slices.
  if (Buffer.isBuffer(bytes)) return bytes;
  return bytes instanceof Uint8Array
    ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : Buffer.from(Array.from(bytes));
}

function toUint64(value: Int64): bigint {
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

function toAnyValue(value: PbAnyValue | null, key: string, depth: number): AttrValue {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new OtlpDecodeError(`attribute '${key}' nests values deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
  }
  if (value === null) return null;
  switch (value.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue':
      return int64ToAttr(BigInt.asIntN(64, toUint64(value.intValue ?? 0)));
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'bytesValue':
      return toBuffer(value.bytesValue ?? []).toString('base64');
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map((item) => toAnyValue(item, key, depth + 1));
    case 'kvlistValue':
      return toAttributes(value.kvlistValue?.values ?? [], key, depth + 1);
    default:
      // An AnyValue with no member set is "empty" in common.proto.
      return null;
  }
}

function toAttributes(list: PbKeyValue[], parentKey?: string, depth = 1): Attributes {
  const attributes: Attributes = {};
  for (const kv of list) {
    const key = parentKey === undefined ? kv.key : `${parentKey}.${kv.key}`;
    setAttribute(attributes, kv.key, toAnyValue(kv.value, key, depth));
  }
  return attributes;
}

function toEvent(event: PbEvent): DecodedEvent {
  return {
    name: event.name,
    timeUnixNano: toUint64(event.timeUnixNano),
    attributes: toAttributes(event.attributes),
  };
}

function parseRequest(body: Uint8Array): PbRequest {
  try {
    return ExportTraceServiceRequest.decode(body) as unknown as PbRequest;
  } catch (error) {
    // protobufjs throws plain Errors/RangeErrors for truncation, bad wire
    // types, invalid UTF-8 and its own recursion limit; all mean "bad bytes".
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${reason}`, { cause: error });
  }
}

/**
 * Decodes a binary protobuf `ExportTraceServiceRequest`.
 *
 * Throws `OtlpDecodeError` when the bytes are not such a message (answer 400);
 * spans that decode but fail the per-span checks are counted in
 * `rejectedSpans` instead (answer 200 with partial_success).
 *
 * @example
 * const { spans, rejectedSpans, rejectionMessages } = decodeProtobufTraces(body);
 */
export function decodeProtobufTraces(body: Uint8Array): DecodeResult {
  const request = parseRequest(body);
  const result = createDecodeResultBuilder();
  request.resourceSpans.forEach((resourceSpans, r) => {
    const resource = toAttributes(resourceSpans.resource?.attributes ?? []);
    resourceSpans.scopeSpans.forEach((scopeSpans, s) => {
      const scope = { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version ?? '' };
      scopeSpans.spans.forEach((span, i) => {
        const identity = {
          traceId: toBuffer(span.traceId).toString('hex'),
          spanId: toBuffer(span.spanId).toString('hex'),
          parentSpanId: toBuffer(span.parentSpanId).toString('hex'),
          startTimeUnixNano: toUint64(span.startTimeUnixNano),
          endTimeUnixNano: toUint64(span.endTimeUnixNano),
        };
        const problem = findSpanProblem(identity);
        if (problem !== undefined) {
          result.reject(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`, span.name, problem);
          return;
        }
        result.accept({
          ...identity,
          parentSpanId: normalizeParentSpanId(identity.parentSpanId),
          name: span.name,
          kind: span.kind,
          attributes: toAttributes(span.attributes),
          events: span.events.map(toEvent),
          status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
          resource,
          scope,
        });
      });
    });
  });
  return result.finish();
}
