import { describe, expect, it } from 'vitest';
import {
  decodeProtobufTraces,
  MAX_ANY_VALUE_DEPTH,
  MAX_ATTRIBUTE_VALUES_PER_REQUEST,
  MAX_EVENTS_PER_REQUEST,
  OtlpDecodeError,
} from '../../../src/otlp/index.js';
import { ExportTraceServiceRequest } from '../../../src/otlp/proto-schema.js';
import {
  bySpanId,
  expectedSpan,
  lenField,
  nestedAttributeField,
  recordSpans,
  requestWithSpan,
  toProtobuf,
  validSpanFields,
  withAnyValueAttributes,
} from './fixtures.js';

function recordedWithAnyValues() {
  const recorded = recordSpans();
  const root = recorded.find((span) => span.name === 'pipeline')!;
  return [withAnyValueAttributes(root), ...recorded.filter((span) => span !== root)];
}

/** A request with one span carrying the given AnyValue objects, encoded with this module's own schema. */
function requestWithAttributes(values: Record<string, unknown>): Uint8Array {
  const message = ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: Buffer.alloc(16, 1),
                spanId: Buffer.alloc(8, 2),
                name: 'ints',
                startTimeUnixNano: '1',
                endTimeUnixNano: '2',
                attributes: Object.entries(values).map(([key, value]) => ({ key, value })),
              },
            ],
          },
        ],
      },
    ],
  });
  return ExportTraceServiceRequest.encode(message).finish();
}

/** `count` empty span events (field 11, length 0: two bytes each), to append to a span's fields. */
function emptyEvents(count: number): Buffer {
  return Buffer.alloc(count * 2).fill(Buffer.from([0x5a, 0x00]));
}

/** A KeyValue (to wrap in an attributes field) named `key` whose value is an array of `items` empty AnyValues (two bytes each). */
function arrayOfEmpty(key: string, items: number): Buffer {
  const array = lenField(5, Buffer.alloc(items * 2).fill(Buffer.from([0x0a, 0x00])));
  return Buffer.concat([lenField(1, Buffer.from(key)), lenField(2, array)]);
}

/** A KeyValue named `key` whose value is a key-value list of `entries` empty KeyValues (two bytes each). */
function kvlistOfEmpty(key: string, entries: number): Buffer {
  const kvlist = lenField(6, Buffer.alloc(entries * 2).fill(Buffer.from([0x0a, 0x00])));
  return Buffer.concat([lenField(1, Buffer.from(key)), lenField(2, kvlist)]);
}

/**
 * A request whose attribute values total `total`: a resource attribute of a
 * key-value list, a span attribute of an array, an event attribute of a
 * key-value list (each attribute counts one, and each entry or item).
 */
function requestWithAttributeValues(total: number): Buffer {
  const third = Math.floor(total / 3);
  const resource = lenField(1, lenField(1, kvlistOfEmpty('resource.map', third - 1)));
  const event = lenField(11, Buffer.concat([lenField(2, Buffer.from('log')), lenField(3, kvlistOfEmpty('event.map', third - 1))]));
  const span = Buffer.concat([validSpanFields(), lenField(9, arrayOfEmpty('span.list', total - 2 * third - 1)), event]);
  return lenField(1, Buffer.concat([resource, lenField(2, lenField(2, span))]));
}

describe('otlp/decode-protobuf', () => {
  describe('limits a sender cannot pass', () => {
    it(`reads ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values in a request and refuses one more: resource, span and event attributes, list entries and array items`, () => {
      const [span] = decodeProtobufTraces(requestWithAttributeValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST)).spans;
      const third = Math.floor(MAX_ATTRIBUTE_VALUES_PER_REQUEST / 3);
      // An empty KeyValue is key '' (null): each entry overwrites the last, yet each was read and counted.
      expect(span.resource).toEqual({ 'resource.map': { '': null } });
      expect(span.attributes['span.list']).toHaveLength(MAX_ATTRIBUTE_VALUES_PER_REQUEST - 2 * third - 1);
      expect(span.events[0].attributes).toEqual({ 'event.map': { '': null } });
      const over = requestWithAttributeValues(MAX_ATTRIBUTE_VALUES_PER_REQUEST + 1);
      expect(() => decodeProtobufTraces(over)).toThrow(OtlpDecodeError);
      expect(() => decodeProtobufTraces(over)).toThrow(new RegExp(`more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values`));
      // Nested lists count at every level: a list of lists of one item each is two values an item.
      const nested = Buffer.concat([lenField(1, Buffer.from('deep')), lenField(2, lenField(5, Buffer.alloc(MAX_ATTRIBUTE_VALUES_PER_REQUEST / 2 * 6).fill(Buffer.from([0x0a, 0x04, 0x2a, 0x02, 0x0a, 0x00]))))]);
      expect(() => decodeProtobufTraces(requestWithSpan(Buffer.concat([validSpanFields(), lenField(9, nested)])))).toThrow(
        new RegExp(`more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values`),
      );
    });

    it('counts a resource read ahead of its spans once: streamed, a malformed body gets the error it gets decoded whole', () => {
      // 600,000 resource values, then a field whose length runs past the ResourceSpans: a wire error, whichever way.
      const resource = lenField(1, Buffer.alloc(600_000 * 2).fill(Buffer.from([0x0a, 0x00])));
      const body = lenField(1, Buffer.concat([resource, Buffer.from([0x0a, 0x7f])]));
      expect(() => decodeProtobufTraces(body)).toThrow(/out of range/);
      // The decode worker's way reads the resource first, gives up there, and reads it again where it stands.
      expect(() => decodeProtobufTraces(body, () => {})).toThrow(/out of range/);
    });

    it(`reads ${MAX_EVENTS_PER_REQUEST} span events in a request and refuses one more, over all its spans, before reading them`, () => {
      const atLimit = requestWithSpan(Buffer.concat([validSpanFields(), emptyEvents(MAX_EVENTS_PER_REQUEST)]));
      expect(decodeProtobufTraces(atLimit).spans[0].events).toHaveLength(MAX_EVENTS_PER_REQUEST);
      const message = new RegExp(`more than ${MAX_EVENTS_PER_REQUEST} span events`);
      const over = requestWithSpan(Buffer.concat([validSpanFields(), emptyEvents(MAX_EVENTS_PER_REQUEST + 1)]));
      expect(() => decodeProtobufTraces(over)).toThrow(OtlpDecodeError);
      expect(() => decodeProtobufTraces(over)).toThrow(message);
      // Two requests' bytes concatenated are one request of both (repeated fields append): two spans, one limit.
      const half = MAX_EVENTS_PER_REQUEST / 2;
      const spread = Buffer.concat([
        requestWithSpan(Buffer.concat([validSpanFields(Buffer.from('a')), emptyEvents(half)])),
        requestWithSpan(Buffer.concat([validSpanFields(Buffer.from('b')), emptyEvents(half + 1)])),
      ]);
      expect(() => decodeProtobufTraces(spread)).toThrow(message);
      // Handed over span by span (the decode workers' way), the first span goes and the request still fails.
      const handed: string[] = [];
      expect(() => decodeProtobufTraces(spread, (span) => handed.push(span.name))).toThrow(message);
      expect(handed).toEqual(['a']);
    });

    it('refuses an id too long to be read as text with OtlpDecodeError (400), not an internal error', () => {
      // resource_spans { scope_spans { spans { trace_id: 2^28 bytes } } }: its hex would pass V8's longest string.
      const header = Buffer.from('0a9280808001128c808080011286808080010a8080808001', 'hex');
      const body = Buffer.alloc(header.length + 2 ** 28, 0x11);
      header.copy(body);
      expect(() => decodeProtobufTraces(body)).toThrow(OtlpDecodeError);
      expect(() => decodeProtobufTraces(body)).toThrow(/too long to read/);
    });
  });

  describe('decodeProtobufTraces', () => {
    it('decodes a request from the official serializer into the spans the SDK recorded', () => {
      const spans = recordedWithAnyValues();

      const result = decodeProtobufTraces(toProtobuf(spans));

      expect(result.rejectedSpans).toBe(0);
      expect(result.rejectionMessages).toEqual([]);
      expect(bySpanId(result.spans)).toEqual(bySpanId(spans.map(expectedSpan)));
    });

    it('decodes every AnyValue type', () => {
      const result = decodeProtobufTraces(toProtobuf(recordedWithAnyValues()));
      const root = result.spans.find((span) => span.name === 'pipeline')!;

      expect(root.attributes).toMatchObject({
        'str': 'hello',
        'empty.str': '',
        'int': 42,
        'int.zero': 0,
        'int.negative': -7,
        'int.large': '1152921504606846976',
        'double': 3.25,
        'bool.false': false,
        'arr.int': [1, 2, 3],
        'arr.with.null': ['a', null, 'b'],
        'arr.empty': [],
        'bytes': Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
        'map': { a: 1, b: ['x', 'y'], c: { deep: true }, d: 1.5 },
        'nested.arr': [[1, 2], ['z'], []],
      });
      expect(root.kind).toBe(2);
      expect(root.parentSpanId).toBe('');
      expect(root.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
      expect(root.events).toEqual([
        { name: 'started', timeUnixNano: 1_700_000_000_200_000_000n, attributes: { attempt: 1, why: 'because' } },
      ]);
      expect(root.scope).toEqual({ name: 'xray-test', version: '1.2.3' });
    });

    it('gives the spans of one resource the same resource object', () => {
      const { spans } = decodeProtobufTraces(toProtobuf(recordSpans()));

      expect(spans.length).toBeGreaterThan(1);
      for (const span of spans) expect(span.resource).toBe(spans[0].resource);
    });

    it('accepts a plain Uint8Array as well as a Buffer', () => {
      const body = toProtobuf(recordSpans());

      expect(decodeProtobufTraces(new Uint8Array(body))).toEqual(decodeProtobufTraces(body));
    });

    it('returns no spans for an empty request', () => {
      expect(decodeProtobufTraces(new Uint8Array(0))).toEqual({ spans: [], rejectedSpans: 0, rejectionMessages: [] });
    });

    it('keeps int64 values exact: numbers while safe, decimal strings beyond', () => {
      const body = requestWithAttributes({
        max: { intValue: '9223372036854775807' },
        min: { intValue: '-9223372036854775808' },
        safe: { intValue: String(Number.MAX_SAFE_INTEGER) },
        unsafe: { intValue: '9007199254740993' },
        minusOne: { intValue: '-1' },
        empty: {},
      });

      const [span] = decodeProtobufTraces(body).spans;

      expect(span.attributes).toEqual({
        max: '9223372036854775807',
        min: '-9223372036854775808',
        safe: Number.MAX_SAFE_INTEGER,
        unsafe: '9007199254740993',
        minusOne: -1,
        empty: null,
      });
    });

    it('keeps SpanKind and status codes it does not know (proto3 enums are open)', () => {
      const body = requestWithSpan(
        Buffer.concat([validSpanFields(), Buffer.from([0x30, 0x09]), lenField(15, Buffer.from([0x18, 0x07]))]),
      );

      const [span] = decodeProtobufTraces(body).spans;

      expect(span.kind).toBe(9);
      expect(span.status).toEqual({ code: 7, message: '' });
    });

    it('treats eight zero bytes of parentSpanId as a root span', () => {
      const body = requestWithSpan(Buffer.concat([validSpanFields(), lenField(4, Buffer.alloc(8))]));

      expect(decodeProtobufTraces(body).spans[0].parentSpanId).toBe('');
    });

    it('throws OtlpDecodeError for every truncation of a valid request', () => {
      const body = toProtobuf(recordedWithAnyValues());

      for (let length = 1; length < body.length; length++) {
        expect(() => decodeProtobufTraces(body.subarray(0, length)), `cut at ${length}`).toThrow(OtlpDecodeError);
      }
    });

    it.each([
      ['wire type 6', [0x0e, 0x00]],
      ['wire type 7', [0x0f, 0x00]],
      ['a group that is never closed', [0x0b, 0x08, 0x01]],
      ['field number 0', [0x02, 0x00]],
      ['a length beyond the end', [0x0a, 0x7f, 0x00]],
      ['a varint that never ends', [0x08, 0xff, 0xff, 0xff]],
    ])('throws OtlpDecodeError for %s', (_case, bytes) => {
      expect(() => decodeProtobufTraces(Uint8Array.from(bytes))).toThrow(OtlpDecodeError);
    });

    it('throws OtlpDecodeError for invalid UTF-8 in a string', () => {
      const body = requestWithSpan(validSpanFields(Buffer.from([0x61, 0xff, 0xfe])));

      expect(() => decodeProtobufTraces(body)).toThrow(/invalid protobuf ExportTraceServiceRequest/);
    });

    it(`accepts values nested ${MAX_ANY_VALUE_DEPTH} levels deep`, () => {
      const body = requestWithSpan(Buffer.concat([validSpanFields(), nestedAttributeField(MAX_ANY_VALUE_DEPTH)]));

      let value = decodeProtobufTraces(body).spans[0].attributes.nested;
      for (let level = 1; level < MAX_ANY_VALUE_DEPTH; level++) value = (value as unknown[])[0] as typeof value;
      expect(value).toBe('leaf');
    });

    it(`rejects values nested ${MAX_ANY_VALUE_DEPTH + 1} levels deep`, () => {
      const body = requestWithSpan(Buffer.concat([validSpanFields(), nestedAttributeField(MAX_ANY_VALUE_DEPTH + 1)]));

      expect(() => decodeProtobufTraces(body)).toThrow(OtlpDecodeError);
      expect(() => decodeProtobufTraces(body)).toThrow(/deeper than 32 levels/);
    });

    it('rejects values nested thousands of levels deep without overflowing the stack', () => {
      const body = requestWithSpan(Buffer.concat([validSpanFields(), nestedAttributeField(3_000)]));

      expect(() => decodeProtobufTraces(body)).toThrow(OtlpDecodeError);
    });
  });
});
