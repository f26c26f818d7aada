import { describe, expect, it } from 'vitest';
import {
  decodeJsonTraces,
  decodeProtobufTraces,
  MAX_ANY_VALUE_DEPTH,
  OtlpDecodeError,
} from '../../../src/otlp/index.js';
import {
  bySpanId,
  expectedSpan,
  nestedJsonValue,
  recordSpans,
  toJsonText,
  toProtobuf,
  withAnyValueAttributes,
} from './fixtures.js';

// A loose view of the OTLP/JSON request, for tests that edit it.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function recordedWithAnyValues() {
  const recorded = recordSpans();
  const root = recorded.find((span) => span.name === 'pipeline')!;
  return [withAnyValueAttributes(root), ...recorded.filter((span) => span !== root)];
}

function officialJson(): Json {
  return JSON.parse(toJsonText(recordSpans())) as Json;
}

/** The first span of the first scope (the SDK's 'step.filter' span, which has an attribute and an event). */
function firstSpan(request: Json): Json {
  return request.resourceSpans[0].scopeSpans[0].spans[0] as Json;
}

function minimalRequest(span: Json): Json {
  return {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: 'ab'.repeat(16),
                spanId: 'cd'.repeat(8),
                name: 'span',
                startTimeUnixNano: '1000',
                endTimeUnixNano: '2000',
                ...span,
              },
            ],
          },
        ],
      },
    ],
  };
}

function toSnakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), toSnakeCase(item)]),
    );
  }
  return value;
}

function decodeError(body: string): OtlpDecodeError {
  try {
    decodeJsonTraces(body);
  } catch (error) {
    if (error instanceof OtlpDecodeError) return error;
    throw error;
  }
  throw new Error('expected decodeJsonTraces to throw');
}

describe('otlp/decode-json', () => {
  describe('decodeJsonTraces', () => {
    it('decodes a request from the official JSON serializer into the spans the SDK recorded', () => {
      const spans = recordedWithAnyValues();

      const result = decodeJsonTraces(toJsonText(spans));

      expect(result.rejectedSpans).toBe(0);
      expect(bySpanId(result.spans)).toEqual(bySpanId(spans.map(expectedSpan)));
    });

    it('returns exactly what the protobuf decoder returns for the same spans', () => {
      const spans = recordedWithAnyValues();

      const fromJson = decodeJsonTraces(toJsonText(spans));
      const fromProtobuf = decodeProtobufTraces(toProtobuf(spans));

      expect(bySpanId(fromJson.spans)).toEqual(bySpanId(fromProtobuf.spans));
    });

    it('accepts the body as UTF-8 bytes', () => {
      const text = toJsonText(recordSpans());

      expect(decodeJsonTraces(new TextEncoder().encode(text))).toEqual(decodeJsonTraces(text));
    });

    it('accepts the original snake_case field names', () => {
      const request = officialJson();
      const snake = toSnakeCase(request) as Json;
      expect(snake.resource_spans[0].scope_spans[0].spans[0]).toHaveProperty('start_time_unix_nano');

      expect(decodeJsonTraces(JSON.stringify(snake))).toEqual(decodeJsonTraces(JSON.stringify(request)));
    });

    it('prefers the lowerCamelCase key when both spellings are present', () => {
      const body = minimalRequest({ name: 'camel', start_time_unix_nano: '1', end_time_unix_nano: '5' });

      const [span] = decodeJsonTraces(JSON.stringify(body)).spans;

      expect(span.startTimeUnixNano).toBe(1000n);
    });

    it('reads hex ids case-insensitively and returns them lowercase', () => {
      const body = minimalRequest({ traceId: 'AB'.repeat(16), spanId: 'Cd'.repeat(8), parentSpanId: 'EF'.repeat(8) });

      const [span] = decodeJsonTraces(JSON.stringify(body)).spans;

      expect(span).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: 'ef'.repeat(8) });
    });

    it('accepts 64-bit integers as decimal strings or as numbers', () => {
      const body = minimalRequest({
        startTimeUnixNano: 1_000,
        endTimeUnixNano: '18446744073709551615',
        attributes: [
          { key: 'n', value: { intValue: 42 } },
          { key: 's', value: { intValue: '-42' } },
          { key: 'big', value: { intValue: '9007199254740993' } },
          { key: 'd', value: { doubleValue: '2.5' } },
          { key: 'nan', value: { doubleValue: 'NaN' } },
          { key: 'inf', value: { doubleValue: '-Infinity' } },
        ],
      });

      const [span] = decodeJsonTraces(JSON.stringify(body)).spans;

      expect(span.startTimeUnixNano).toBe(1_000n);
      expect(span.endTimeUnixNano).toBe(2n ** 64n - 1n);
      expect(span.attributes).toEqual({ n: 42, s: -42, big: '9007199254740993', d: 2.5, nan: NaN, inf: -Infinity });
    });

    it('normalises bytes to padded standard base64, whichever alphabet was sent', () => {
      const body = minimalRequest({
        attributes: [
          { key: 'std', value: { bytesValue: '+/8=' } },
          { key: 'url', value: { bytesValue: '-_8' } },
        ],
      });

      expect(decodeJsonTraces(JSON.stringify(body)).spans[0].attributes).toEqual({ std: '+/8=', url: '+/8=' });
    });

    it('ignores unknown fields at every level', () => {
      const request = officialJson();
      const expected = decodeJsonTraces(JSON.stringify(request));
      request.futureField = { nested: [1, 2] };
      request.resourceSpans[0].unknown = 'x';
      request.resourceSpans[0].scopeSpans[0].scope.attributes = [{ key: 'k', value: { stringValue: 'v' } }];
      firstSpan(request).notInTheProto = true;
      firstSpan(request).attributes[0].value.futureValue = 1;

      expect(decodeJsonTraces(JSON.stringify(request))).toEqual(expected);
    });

    it('reads null as "not set"', () => {
      const body = minimalRequest({
        parentSpanId: null,
        kind: null,
        status: null,
        events: null,
        attributes: [{ key: 'k', value: { stringValue: null, boolValue: true } }, { key: 'empty', value: null }],
      });

      const [span] = decodeJsonTraces(JSON.stringify(body)).spans;

      expect(span).toMatchObject({ parentSpanId: '', kind: 0, status: { code: 0, message: '' }, events: [] });
      expect(span.attributes).toEqual({ k: true, empty: null });
    });

    it('keeps an attribute named __proto__ as an ordinary key', () => {
      const body = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"' + 'ab'.repeat(16) + '","spanId":"' +
        'cd'.repeat(8) + '","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{"key":"__proto__","value":{"kvlistValue":{"values":[{"key":"polluted","value":{"boolValue":true}}]}}}]}]}]}]}';

      const [span] = decodeJsonTraces(body).spans;

      expect(Object.getPrototypeOf(span.attributes)).toBe(Object.prototype);
      expect(Object.keys(span.attributes)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it.each([
      ['not JSON', '{"resourceSpans": [', /not valid JSON/],
      ['a JSON array', '[]', /must be a JSON object/],
      ['a JSON number', '42', /must be a JSON object/],
      ['JSON null', 'null', /must be a JSON object/],
    ])('throws OtlpDecodeError for a body that is %s', (_case, body, message) => {
      expect(decodeError(body).message).toMatch(message);
    });

    it('throws OtlpDecodeError for bytes that are not UTF-8', () => {
      expect(() => decodeJsonTraces(Uint8Array.from([0x7b, 0xff, 0x7d]))).toThrow(OtlpDecodeError);
    });

    const SPAN = 'resourceSpans[0].scopeSpans[0].spans[0]';
    it.each<[string, (request: Json) => void, string]>([
      ['resourceSpans is an object', (r) => { r.resourceSpans = {}; }, 'resourceSpans:'],
      ['a time is not a number', (r) => { firstSpan(r).startTimeUnixNano = 'soon'; }, `${SPAN}.startTimeUnixNano:`],
      ['a time is negative', (r) => { firstSpan(r).endTimeUnixNano = -1; }, `${SPAN}.endTimeUnixNano:`],
      ['a time is fractional', (r) => { firstSpan(r).endTimeUnixNano = 1.5; }, `${SPAN}.endTimeUnixNano:`],
      ['kind is an enum name', (r) => { firstSpan(r).kind = 'SPAN_KIND_SERVER'; }, `${SPAN}.kind:`],
      ['the name is a number', (r) => { firstSpan(r).name = 5; }, `${SPAN}.name:`],
      ['traceId is a number', (r) => { firstSpan(r).traceId = 42; }, `${SPAN}.traceId:`],
      ['status.code is fractional', (r) => { firstSpan(r).status = { code: 1.5 }; }, `${SPAN}.status.code:`],
      ['an event time is not an integer', (r) => { firstSpan(r).events[0].timeUnixNano = '1e9'; }, `${SPAN}.events[0].timeUnixNano:`],
      ['intValue is fractional', (r) => { firstSpan(r).attributes[0].value = { intValue: '12.5' }; }, `${SPAN}.attributes[0].value.intValue:`],
      ['intValue is beyond int64', (r) => { firstSpan(r).attributes[0].value = { intValue: '9223372036854775808' }; }, `${SPAN}.attributes[0].value.intValue:`],
      ['bytesValue is not base64', (r) => { firstSpan(r).attributes[0].value = { bytesValue: '!!!' }; }, `${SPAN}.attributes[0].value.bytesValue:`],
      ['boolValue is a string', (r) => { firstSpan(r).attributes[0].value = { boolValue: 'yes' }; }, `${SPAN}.attributes[0].value.boolValue:`],
      ['an attribute key is missing its object', (r) => { firstSpan(r).attributes[0] = 'k=v'; }, `${SPAN}.attributes[0]:`],
      ['resource attributes is an object', (r) => { r.resourceSpans[0].resource.attributes = { a: 1 }; }, 'resourceSpans[0].resource.attributes:'],
    ])('names the field in the OtlpDecodeError when %s', (_case, mutate, path) => {
      const request = officialJson();
      mutate(request);

      const error = decodeError(JSON.stringify(request));

      expect(error.message).toContain(path);
    });

    it('names the camelCase path when the sender used snake_case', () => {
      const request = toSnakeCase(officialJson()) as Json;
      request.resource_spans[0].scope_spans[0].spans[0].start_time_unix_nano = 'soon';

      expect(decodeError(JSON.stringify(request)).message).toContain(`${SPAN}.startTimeUnixNano:`);
    });

    it(`accepts values nested ${MAX_ANY_VALUE_DEPTH} levels deep`, () => {
      const body = minimalRequest({ attributes: [{ key: 'nested', value: nestedJsonValue(MAX_ANY_VALUE_DEPTH) }] });

      let value = decodeJsonTraces(JSON.stringify(body)).spans[0].attributes.nested;
      for (let level = 1; level < MAX_ANY_VALUE_DEPTH; level++) value = (value as unknown[])[0] as typeof value;
      expect(value).toBe('leaf');
    });

    it(`rejects values nested ${MAX_ANY_VALUE_DEPTH + 1} levels deep`, () => {
      const body = minimalRequest({ attributes: [{ key: 'nested', value: nestedJsonValue(MAX_ANY_VALUE_DEPTH + 1) }] });

      expect(decodeError(JSON.stringify(body)).message).toMatch(/deeper than 32 levels/);
    });

    it('rejects values nested 100 000 levels deep without overflowing the stack', () => {
      const depth = 100_000;
      const value = '{"arrayValue":{"values":['.repeat(depth) + '{"stringValue":"leaf"}' + ']}}'.repeat(depth);
      const body = JSON.stringify(minimalRequest({})).replace('"name":"span"', `"name":"span","attributes":[{"key":"deep","value":${value}}]`);

      expect(decodeError(body).message).toMatch(/deeper than 32 levels/);
    });

    it('rejects 200 000 invalid attribute entries with the first one named, without overflowing the stack (regression)', () => {
      const attributes = Array.from({ length: 200_000 }, (_, i) => ({ key: `k${i}`, value: { intValue: 'x' } }));
      const body = JSON.stringify({ resourceSpans: [{ resource: { attributes }, scopeSpans: [] }] });

      const error = decodeError(body);
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect(error.message).toBe(
        'invalid OTLP/JSON ExportTraceServiceRequest: resourceSpans[0].resource.attributes[0].value.intValue: expected a 64-bit integer (decimal string or number)',
      );
    });
  });
});
