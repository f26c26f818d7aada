/**
 * OTLP/HTTP binary protobuf (Content-Type: application/x-protobuf) ->
 * DecodedSpan[], in one pass over the bytes: the message layout of
 * ExportTraceServiceRequest (field numbers from opentelemetry-proto, as in
 * proto-schema.ts) is walked by hand with WireReader, and each span is built
 * straight from its fields, with no intermediate message objects.
 *
 * It is written by hand because it is the collector's hottest code. The
 * collector used to decode with protobufjs and the proto-schema.ts
 * descriptor, and the tests still do, as an independent reference
 * (test/unit/otlp/reference/): on official serializer output and on random
 * and mutated bodies both must give the same result or both reject. That
 * includes protobuf's merge rules: a scalar field sent twice keeps the last
 * value, a message field sent twice is merged, and an AnyValue keeps the
 * oneof member sent last.
 */
import { MAX_ANY_VALUE_DEPTH, setAttribute } from './attributes.js';
import { createDecodeResultBuilder, type DecodeResultBuilder } from './decode-result.js';
import { OtlpDecodeError } from './errors.js';
import { findSpanProblem, normalizeParentSpanId } from './span-validation.js';
import { FIXED64, LEN, MAX_MESSAGE_DEPTH, VARINT, WireReader, type Int64Halves } from './wire-reader.js';
import type { AttrValue, Attributes, DecodedEvent, DecodedSpan, DecodeResult } from '../contracts/spans.js';

// The tags read (field number << 3 | wire type), per message, from
// opentelemetry-proto. A known field number that arrives with another wire
// type is skipped like an unknown field, as protobufjs does.
const REQUEST_RESOURCE_SPANS = (1 << 3) | LEN;
const RESOURCE_SPANS_RESOURCE = (1 << 3) | LEN;
const RESOURCE_SPANS_SCOPE_SPANS = (2 << 3) | LEN;
const RESOURCE_ATTRIBUTES = (1 << 3) | LEN;
const SCOPE_SPANS_SCOPE = (1 << 3) | LEN;
const SCOPE_SPANS_SPANS = (2 << 3) | LEN;
const SCOPE_NAME = (1 << 3) | LEN;
const SCOPE_VERSION = (2 << 3) | LEN;
const SPAN_TRACE_ID = (1 << 3) | LEN;
const SPAN_SPAN_ID = (2 << 3) | LEN;
const SPAN_PARENT_SPAN_ID = (4 << 3) | LEN;
const SPAN_NAME = (5 << 3) | LEN;
const SPAN_KIND = (6 << 3) | VARINT;
const SPAN_START_TIME = (7 << 3) | FIXED64;
const SPAN_END_TIME = (8 << 3) | FIXED64;
const SPAN_ATTRIBUTES = (9 << 3) | LEN;
const SPAN_EVENTS = (11 << 3) | LEN;
const SPAN_STATUS = (15 << 3) | LEN;
const EVENT_TIME = (1 << 3) | FIXED64;
const EVENT_NAME = (2 << 3) | LEN;
const EVENT_ATTRIBUTES = (3 << 3) | LEN;
const STATUS_MESSAGE = (2 << 3) | LEN;
const STATUS_CODE = (3 << 3) | VARINT;
const KEY_VALUE_KEY = (1 << 3) | LEN;
const KEY_VALUE_VALUE = (2 << 3) | LEN;
const ANY_STRING = (1 << 3) | LEN;
const ANY_BOOL = (2 << 3) | VARINT;
const ANY_INT = (3 << 3) | VARINT;
const ANY_DOUBLE = (4 << 3) | FIXED64;
const ANY_ARRAY = (5 << 3) | LEN;
const ANY_KVLIST = (6 << 3) | LEN;
const ANY_BYTES = (7 << 3) | LEN;
/** ArrayValue.values and KeyValueList.values. */
const LIST_VALUES = (1 << 3) | LEN;

// Nesting depth of each message, counted as protobufjs counts it (the request is 0).
const DEPTH_RESOURCE_SPANS = 1;
const DEPTH_RESOURCE = 2;
const DEPTH_SCOPE_SPANS = 2;
const DEPTH_SCOPE = 3;
const DEPTH_SPAN = 3;
const DEPTH_SPAN_CHILD = 4; // Status, Event, span attribute KeyValue

const TWO_POW_32 = 4294967296;
/** int64 values whose high half is in [-2^21, 2^21) are safe integers (except -2^53). */
const SAFE_HIGH = 0x200000;

function depthExceeded(): OtlpDecodeError {
  return new OtlpDecodeError('invalid protobuf ExportTraceServiceRequest: max depth exceeded');
}

/** A uint64 from its two 32-bit halves, with the fewest bigint operations. */
function toUint64(low: number, high: number): bigint {
  return high < SAFE_HIGH ? BigInt(high * TWO_POW_32 + low) : (BigInt(high) << 32n) | BigInt(low);
}

/** An int64 attribute: a number when exact, otherwise its decimal string (as int64ToAttr). */
function int64Value(halves: Int64Halves): number | string {
  const { low, high } = halves;
  if (high >= -SAFE_HIGH && high < SAFE_HIGH && !(high === -SAFE_HIGH && low === 0)) return high * TWO_POW_32 + low;
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

function isKvlist(value: AttrValue): value is Attributes {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Walks one request. A value nested deeper than MAX_ANY_VALUE_DEPTH is not
 * thrown where it is read, because the decoder has always reported it only
 * when the whole body is well-formed (a wire-format error wins), only for
 * resources and accepted spans (a rejected span's attributes are not
 * mapped), and named the first in mapping order (a resource before its
 * spans). So the walk notes each and throws the first at the end.
 *
 * A nesting error is written as the key path it would name, relative to
 * the attribute that holds it: '' for the attribute itself, '.k' for entry
 * `k` of its kvlist, and so on. (A walker is always called before its error
 * is merged with `??=`, which would not call it once an error is noted.)
 */
class TraceRequestDecoder {
  private readonly r: WireReader;
  private readonly result: DecodeResultBuilder;
  private readonly halves: Int64Halves = { low: 0, high: 0 };
  /** Out-parameters of the walkers below, to avoid allocating a pair per call. */
  private key = '';
  private nestingError: string | undefined = undefined;
  private statusCode = 0;
  private statusMessage = '';
  /** The first nesting error in mapping order; thrown once the body has parsed. */
  private firstNestingError: string | undefined = undefined;

  /** With onSpan, spans are handed over as they are decoded (decodeProtobufTraces). */
  constructor(
    body: Uint8Array,
    private readonly onSpan?: (span: DecodedSpan) => void,
  ) {
    this.r = new WireReader(body);
    this.result = createDecodeResultBuilder(onSpan);
  }

  decode(): DecodeResult {
    const r = this.r;
    const end = r.buf.length;
    let index = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === REQUEST_RESOURCE_SPANS) {
        this.resourceSpans(r.delimited(end), index++);
        continue;
      }
      r.skip(tag & 7, tag >>> 3, 0, end);
    }
    if (this.firstNestingError !== undefined) {
      throw new OtlpDecodeError(
        `attribute '${this.firstNestingError}' nests values deeper than ${MAX_ANY_VALUE_DEPTH} levels`,
      );
    }
    return this.result.finish();
  }

  private resourceSpans(end: number, resourceIndex: number): void {
    const r = this.r;
    // Every span of the resource shares this object, filled wherever the
    // resource field comes (a resource sent twice is merged).
    const resource: Attributes = {};
    let resourceError: string | undefined;
    let spanError: string | undefined;
    let scopeIndex = 0;
    // Spans handed over as they are decoded must see their resource whole,
    // and protobuf lets the resource come after them: read it first.
    const start = r.pos;
    const resourceRead = this.onSpan !== undefined && this.readResourceFirst(end, resource);
    if (resourceRead !== false) resourceError = resourceRead.error;
    r.pos = start;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === RESOURCE_SPANS_RESOURCE) {
        const resourceEnd = r.delimited(end);
        if (resourceRead !== false) {
          r.pos = resourceEnd;
          continue;
        }
        const error = this.resource(resourceEnd, resource);
        resourceError ??= error;
        continue;
      }
      if (tag === RESOURCE_SPANS_SCOPE_SPANS) {
        const where = `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex++}]`;
        const error = this.scopeSpans(r.delimited(end), resource, where);
        spanError ??= error;
        continue;
      }
      r.skip(tag & 7, tag >>> 3, DEPTH_RESOURCE_SPANS, end);
    }
    this.firstNestingError ??= resourceError ?? spanError;
  }

  /**
   * Reads a ResourceSpans' resource fields (merged, in order) before its
   * spans, skipping the rest; returns their first nesting error. On a
   * malformed body (or one past the limit of attribute values) it gives up
   * (false) and leaves `attributes` empty and their count as it was: the
   * ordinary pass then reads the resource where it stands and reports the
   * body's first error, as decoding without onSpan does.
   */
  private readResourceFirst(end: number, attributes: Attributes): { error: string | undefined } | false {
    const r = this.r;
    const counted = this.result.attributeValues;
    let error: string | undefined;
    try {
      while (r.pos < end) {
        const tag = r.tag(end);
        if (tag === RESOURCE_SPANS_RESOURCE) {
          const resourceError = this.resource(r.delimited(end), attributes);
          error ??= resourceError;
        } else if ((tag & 7) === LEN) {
          r.pos = r.delimited(end);
        } else {
          r.skip(tag & 7, tag >>> 3, DEPTH_RESOURCE_SPANS, end);
        }
      }
    } catch (thrown) {
      if (!(thrown instanceof OtlpDecodeError)) throw thrown;
      for (const key of Object.keys(attributes)) delete attributes[key];
      this.result.uncountAttributeValuesTo(counted);
      return false;
    }
    return { error };
  }

  private resource(end: number, attributes: Attributes): string | undefined {
    const r = this.r;
    let error: string | undefined;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === RESOURCE_ATTRIBUTES) {
        const attributeError = this.attribute(r.delimited(end), DEPTH_RESOURCE + 1, attributes);
        error ??= attributeError;
        continue;
      }
      r.skip(tag & 7, tag >>> 3, DEPTH_RESOURCE, end);
    }
    return error;
  }

  /** Returns the first nesting error of the scope's accepted spans. */
  private scopeSpans(end: number, resource: Attributes, where: string): string | undefined {
    const r = this.r;
    const scope = { name: '', version: '' };
    let error: string | undefined;
    let spanIndex = 0;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === SCOPE_SPANS_SCOPE) {
        this.scope(r.delimited(end), scope);
        continue;
      }
      if (tag === SCOPE_SPANS_SPANS) {
        const spanError = this.span(r.delimited(end), resource, scope, where, spanIndex++);
        error ??= spanError;
        continue;
      }
      r.skip(tag & 7, tag >>> 3, DEPTH_SCOPE_SPANS, end);
    }
    return error;
  }

  private scope(end: number, scope: { name: string; version: string }): void {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === SCOPE_NAME) scope.name = r.string(end);
      else if (tag === SCOPE_VERSION) scope.version = r.string(end);
      else r.skip(tag & 7, tag >>> 3, DEPTH_SCOPE, end);
    }
  }

  /** Reads one span, then accepts or rejects it; returns its nesting error if accepted. */
  private span(
    end: number,
    resource: Attributes,
    scope: { name: string; version: string },
    where: string,
    spanIndex: number,
  ): string | undefined {
    const r = this.r;
    const halves = this.halves;
    // Ids are kept as byte ranges (the last one sent wins) and turned to hex once.
    let traceIdStart = 0;
    let traceIdEnd = 0;
    let spanIdStart = 0;
    let spanIdEnd = 0;
    let parentStart = 0;
    let parentEnd = 0;
    let name = '';
    let kind = 0;
    let startLow = 0;
    let startHigh = 0;
    let endLow = 0;
    let endHigh = 0;
    const attributes: Attributes = {};
    const events: DecodedEvent[] = [];
    let error: string | undefined;
    let eventError: string | undefined;
    this.statusCode = 0;
    this.statusMessage = '';
    while (r.pos < end) {
      const tag = r.tag(end);
      switch (tag) {
        case SPAN_TRACE_ID:
          traceIdEnd = r.delimited(end);
          traceIdStart = r.pos;
          r.pos = traceIdEnd;
          continue;
        case SPAN_SPAN_ID:
          spanIdEnd = r.delimited(end);
          spanIdStart = r.pos;
          r.pos = spanIdEnd;
          continue;
        case SPAN_PARENT_SPAN_ID:
          parentEnd = r.delimited(end);
          parentStart = r.pos;
          r.pos = parentEnd;
          continue;
        case SPAN_NAME:
          name = r.string(end);
          continue;
        case SPAN_KIND:
          kind = r.int32(end);
          continue;
        case SPAN_START_TIME:
          r.fixed64(end, halves);
          startLow = halves.low;
          startHigh = halves.high;
          continue;
        case SPAN_END_TIME:
          r.fixed64(end, halves);
          endLow = halves.low;
          endHigh = halves.high;
          continue;
        case SPAN_ATTRIBUTES: {
          const attributeError = this.attribute(r.delimited(end), DEPTH_SPAN_CHILD, attributes);
          error ??= attributeError;
          continue;
        }
        case SPAN_EVENTS:
          this.result.countEvents(1);
          events.push(this.event(r.delimited(end)));
          eventError ??= this.nestingError;
          continue;
        case SPAN_STATUS:
          this.status(r.delimited(end));
          continue;
        default:
          r.skip(tag & 7, tag >>> 3, DEPTH_SPAN, end);
      }
    }
    const traceId = r.hex(traceIdStart, traceIdEnd);
    const spanId = r.hex(spanIdStart, spanIdEnd);
    const parentSpanId = r.hex(parentStart, parentEnd);
    const startTimeUnixNano = toUint64(startLow, startHigh);
    const endTimeUnixNano = toUint64(endLow, endHigh);
    const problem = findSpanProblem({ traceId, spanId, parentSpanId, startTimeUnixNano, endTimeUnixNano });
    if (problem !== undefined) {
      this.result.reject(`${where}.spans[${spanIndex}]`, name, problem);
      return undefined;
    }
    const span: DecodedSpan = {
      traceId,
      spanId,
      parentSpanId: normalizeParentSpanId(parentSpanId),
      startTimeUnixNano,
      endTimeUnixNano,
      name,
      kind,
      attributes,
      events,
      status: { code: this.statusCode, message: this.statusMessage },
      resource,
      scope,
    };
    this.result.accept(span);
    return error ?? eventError;
  }

  /** Merges one Status message into statusCode / statusMessage. */
  private status(end: number): void {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === STATUS_MESSAGE) this.statusMessage = r.string(end);
      else if (tag === STATUS_CODE) this.statusCode = r.int32(end);
      else r.skip(tag & 7, tag >>> 3, DEPTH_SPAN_CHILD, end);
    }
  }

  /** Reads one event; its first nesting error (a full key path) is left in nestingError. */
  private event(end: number): DecodedEvent {
    const r = this.r;
    let name = '';
    let low = 0;
    let high = 0;
    const attributes: Attributes = {};
    let error: string | undefined;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === EVENT_TIME) {
        r.fixed64(end, this.halves);
        low = this.halves.low;
        high = this.halves.high;
      } else if (tag === EVENT_NAME) {
        name = r.string(end);
      } else if (tag === EVENT_ATTRIBUTES) {
        const attributeError = this.attribute(r.delimited(end), DEPTH_SPAN_CHILD + 1, attributes);
        error ??= attributeError;
      } else {
        r.skip(tag & 7, tag >>> 3, DEPTH_SPAN_CHILD, end);
      }
    }
    this.nestingError = error;
    return { name, timeUnixNano: toUint64(low, high), attributes };
  }

  /**
   * One top-level attribute (a KeyValue at message depth `depth`), set on
   * `target`. Returns the full key path of its nesting error, if any.
   */
  private attribute(end: number, depth: number, target: Attributes): string | undefined {
    const value = this.keyValue(end, 1, depth);
    const key = this.key;
    setAttribute(target, key, value);
    return this.nestingError === undefined ? undefined : key + this.nestingError;
  }

  /**
   * A KeyValue whose value nests at level `level` (1 for a top-level
   * attribute). Returns the value; leaves the key in `key` and the value's
   * nesting error in `nestingError`.
   */
  private keyValue(end: number, level: number, depth: number): AttrValue {
    if (depth > MAX_MESSAGE_DEPTH) throw depthExceeded();
    // Counted before it is read (OtlpDecodeError past the request's limit), as an array item is below.
    this.result.countAttributeValues(1);
    const r = this.r;
    let key = '';
    let value: AttrValue = null;
    let error: string | undefined;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === KEY_VALUE_KEY) {
        key = r.string(end);
      } else if (tag === KEY_VALUE_VALUE) {
        // A value sent twice is merged into the first.
        value = this.anyValue(r.delimited(end), level, depth + 1, value, error);
        error = this.nestingError;
      } else {
        r.skip(tag & 7, tag >>> 3, depth, end);
      }
    }
    this.key = key;
    this.nestingError = error;
    return value;
  }

  /**
   * An AnyValue at nesting level `level`, merged into `value` (null for
   * none): the member sent last wins, and an array or kvlist sent again
   * right after itself is extended. `error` is the nesting error of `value`.
   * Returns the new value and leaves its nesting error in `nestingError`.
   */
  private anyValue(end: number, level: number, depth: number, value: AttrValue, error: string | undefined): AttrValue {
    if (depth > MAX_MESSAGE_DEPTH) throw depthExceeded();
    const r = this.r;
    while (r.pos < end) {
      const tag = r.tag(end);
      switch (tag) {
        case ANY_STRING:
          value = r.string(end);
          error = undefined;
          continue;
        case ANY_BOOL:
          value = r.bool(end);
          error = undefined;
          continue;
        case ANY_INT:
          r.int64(end, this.halves);
          value = int64Value(this.halves);
          error = undefined;
          continue;
        case ANY_DOUBLE:
          value = r.double(end);
          error = undefined;
          continue;
        case ANY_ARRAY: {
          const stop = r.delimited(end);
          if (!Array.isArray(value)) {
            value = [];
            error = undefined;
          }
          const arrayError = this.arrayValue(stop, level, depth + 1, value);
          error ??= arrayError;
          continue;
        }
        case ANY_KVLIST: {
          const stop = r.delimited(end);
          if (!isKvlist(value)) {
            value = {};
            error = undefined;
          }
          const listError = this.kvlistValue(stop, level, depth + 1, value);
          error ??= listError;
          continue;
        }
        case ANY_BYTES: {
          const stop = r.delimited(end);
          value = r.base64(r.pos, stop);
          r.pos = stop;
          error = undefined;
          continue;
        }
        default:
          r.skip(tag & 7, tag >>> 3, depth, end);
      }
    }
    this.nestingError = error;
    return value;
  }

  /** Appends an ArrayValue's items (level + 1) to `items`; returns its first nesting error. */
  private arrayValue(end: number, level: number, depth: number, items: AttrValue[]): string | undefined {
    if (depth > MAX_MESSAGE_DEPTH) throw depthExceeded();
    const r = this.r;
    let error: string | undefined;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === LIST_VALUES) {
        this.result.countAttributeValues(1);
        items.push(this.anyValue(r.delimited(end), level + 1, depth + 1, null, undefined));
        // An item past the limit is itself the error, named by the attribute's key.
        error ??= level + 1 > MAX_ANY_VALUE_DEPTH ? '' : this.nestingError;
        continue;
      }
      r.skip(tag & 7, tag >>> 3, depth, end);
    }
    return error;
  }

  /** Sets a KeyValueList's entries (level + 1) on `target`; returns its first nesting error. */
  private kvlistValue(end: number, level: number, depth: number, target: Attributes): string | undefined {
    if (depth > MAX_MESSAGE_DEPTH) throw depthExceeded();
    const r = this.r;
    let error: string | undefined;
    while (r.pos < end) {
      const tag = r.tag(end);
      if (tag === LIST_VALUES) {
        const value = this.keyValue(r.delimited(end), level + 1, depth + 1);
        const key = this.key;
        setAttribute(target, key, value);
        if (error === undefined) {
          if (level + 1 > MAX_ANY_VALUE_DEPTH) error = `.${key}`;
          else if (this.nestingError !== undefined) error = `.${key}${this.nestingError}`;
        }
        continue;
      }
      r.skip(tag & 7, tag >>> 3, depth, end);
    }
    return error;
  }
}

/**
 * Decodes a binary protobuf `ExportTraceServiceRequest`.
 *
 * Throws `OtlpDecodeError` when the bytes are not such a message (answer 400);
 * spans that decode but fail the per-span checks are counted in
 * `rejectedSpans` instead (answer 200 with partial_success). With `onSpan`,
 * each accepted span goes to it as soon as it is read (its resource whole)
 * and `spans` comes back empty; a body that then turns out malformed still
 * throws, after some spans went out, so the caller keeps nothing of them.
 *
 * @example
 * const { spans, rejectedSpans, rejectionMessages } = decodeProtobufTraces(body);
 */
export function decodeProtobufTraces(body: Uint8Array, onSpan?: (span: DecodedSpan) => void): DecodeResult {
  return new TraceRequestDecoder(body, onSpan).decode();
}
