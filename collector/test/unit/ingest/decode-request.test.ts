/**
 * decodeRequest's bound on whole parses of OTLP/JSON: a body over the limit
 * is read span by span, with the same rows a whole parse gives; one the
 * span reader does not take is refused (413, what to do instead), or, when
 * it is not JSON at all, refused as such (400, where). Under the limit,
 * every layout JSON.parse reads is still decoded.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { NO_EVENTS } from '../../../../exporter/src/readable-span.js';
import { testSpan } from '../../../../exporter/test/support/finished-spans.js';
import { XRayError } from '../../../src/errors.js';
import { decodeRequest, DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES, type DecodeStages } from '../../../src/ingest/decode-request.js';
import { admitSpans } from '../../../src/model/span-admission.js';
import { spansToRows } from '../../../src/model/span-to-rows.js';
import { OtlpDecodeError } from '../../../src/otlp/index.js';
import { readJsonTraces } from '../../../src/otlp/json-span-reader.js';

const resource = resourceFromAttributes({ 'service.name': 'whole-parse', 'deployment.environment.name': 'test' });

/** An execution of `steps` steps as the SDK's exporter sends it (OTLP/JSON), ~400 bytes a step. */
function executionBody(steps: number): Buffer {
  const spans = Array.from({ length: steps }, (_, i) =>
    testSpan(i + 1, { 'xray.execution.id': 'exec-1', 'xray.pipeline': 'loans', 'xray.step.sequence': i, 'input.value': JSON.stringify({ i, note: 'x'.repeat(200) }) }, resource, NO_EVENTS, 1),
  );
  spans.push(testSpan(0, { 'xray.execution.id': 'exec-1', 'xray.execution.root': true, 'xray.pipeline': 'loans' }, resource, NO_EVENTS, 1));
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
}

/** The same body with every span's `name` key written with an escape: JSON.parse reads it alike, the span reader gives up on it. */
function escapedKeys(body: Buffer): Buffer {
  const text = body.toString('utf8').replaceAll('"name":', '"n\\u0061me":');
  const edited = Buffer.from(text);
  expect(readJsonTraces(edited, () => {})).toBeUndefined();
  return edited;
}

// The admission clock far from the spans' 2023 times would refuse them; admit all, keep rows as objects.
const NOW = 1_700_000_001_000n * 1_000_000n;
function stages(limit?: number, extra: Partial<DecodeStages> = {}): DecodeStages {
  return {
    admitSpans: (spans) => admitSpans(spans, NOW, { retentionDays: 36_500, maxFutureSkewSeconds: 3600 }),
    toRows: spansToRows,
    jsonWholeParseMaxBytes: limit,
    ...extra,
  };
}

async function refusal(body: Buffer, limit: number, extra: Partial<DecodeStages> = {}): Promise<Error> {
  try {
    await decodeRequest('json', body, 'app-1', stages(limit, extra));
  } catch (error) {
    return error as Error;
  }
  throw new Error('the body was decoded');
}

describe('decodeRequest: OTLP/JSON over the whole-parse limit', () => {
  const body = executionBody(40);
  const limit = Math.floor(body.length / 2);
  const LIMIT_DEFAULT = DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES;

  it('reads a body in the exporters layout span by span, into the rows a whole parse gives', async () => {
    expect(body.length).toBeGreaterThan(limit);
    const whole = await decodeRequest('json', body, 'app-1', stages(LIMIT_DEFAULT));
    const streamed = await decodeRequest('json', body, 'app-1', stages(limit));
    expect(whole.rows.steps).toHaveLength(40);
    expect(streamed).toEqual(whole);
  });

  it('refuses a body in another layout with a 413 that names the limit and what to send instead', async () => {
    const edited = escapedKeys(body);
    const error = await refusal(edited, limit);
    expect(error).toBeInstanceOf(XRayError);
    expect((error as XRayError).code).toBe('XRAY_ERR_OTLP_BODY_TOO_LARGE');
    expect((error as XRayError).statusCode).toBe(413);
    expect(error.message).toContain(`body of ${edited.length} bytes is over ${limit} bytes (XRAY_JSON_WHOLE_PARSE_MAX_BYTES)`);
    expect(error.message).toMatch(/send it in smaller requests, or in that layout/);
    // The decode worker's streamed pass has read it already: not read again, the same answer.
    expect((await refusal(edited, limit, { jsonReaderGaveUp: { layout: true, offset: 0 } })) as XRayError).toMatchObject({ code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE' });
    // An AnyValue of two members, one of them null: a whole parse takes it, the reader does not; the message names it.
    const twoMembers = Buffer.from(body.toString('utf8').replace('{"stringValue":"loans"}', '{"stringValue":"loans","intValue":null}'));
    expect((await decodeRequest('json', twoMembers, 'app-1', stages(LIMIT_DEFAULT))).rows.steps).toHaveLength(40);
    const refused = await refusal(twoMembers, limit);
    expect(refused).toMatchObject({ code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE' });
    expect(refused.message).toContain('one member in an AnyValue');
  });

  it('still decodes that layout under the limit, as the exporters layout', async () => {
    const edited = escapedKeys(body);
    const decoded = await decodeRequest('json', edited, 'app-1', stages(LIMIT_DEFAULT));
    expect(decoded).toEqual({ ...(await decodeRequest('json', body, 'app-1', stages(LIMIT_DEFAULT))), rows: expect.anything() });
    expect(decoded.rows.steps).toEqual((await decodeRequest('json', body, 'app-1', stages(LIMIT_DEFAULT))).rows.steps);
  });

  it('refuses a body that is not JSON with a 400 saying where it breaks', async () => {
    const text = body.toString('utf8');
    const at = text.indexOf('"spans":') + '"spans":'.length;
    const broken = Buffer.from(`${text.slice(0, at)}}${text.slice(at)}`);
    const error = await refusal(broken, limit);
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect(error.message).toBe(`request body is not valid JSON: unexpected '}' at offset ${at}`);
    expect(broken[at]).toBe(0x7d);
    // Past a byte order mark, the offset is still the body's.
    const marked = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), broken]);
    expect((await refusal(marked, limit)).message).toBe(`request body is not valid JSON: unexpected '}' at offset ${at + 3}`);
    expect((await refusal(body.subarray(0, body.length - 2), limit)).message).toBe('request body is not valid JSON: the body ends early');
    const control = Buffer.from(text.replace('"exec-1"', '"exec\u00011"'));
    expect((await refusal(control, limit)).message).toMatch(/^request body is not valid JSON: unexpected byte 0x01 at offset \d+$/);
    const latin1 = Buffer.concat([body.subarray(0, 100), Buffer.from([0xe9]), body.subarray(100)]);
    expect((await refusal(latin1, limit)).message).toBe('request body is not valid JSON: it is not valid UTF-8');
    // A whole parse refuses each too.
    for (const bad of [broken, control, latin1]) await expect(decodeRequest('json', bad, 'app-1', stages(LIMIT_DEFAULT))).rejects.toThrow(/^request body is not valid JSON: /);
  });

  it('refuses a body that is JSON but not a request with a 400 saying where, as a whole parse refuses it', async () => {
    // A span kind by its enum name (as Go's protojson writes it): the schema takes an integer.
    const text = body.toString('utf8');
    const named = Buffer.from(text.replace('"kind":1', '"kind":"SPAN_KIND_INTERNAL"'));
    const at = named.indexOf('"SPAN_KIND_INTERNAL"');
    const error = await refusal(named, limit);
    expect(error).toBeInstanceOf(OtlpDecodeError);
    const offset = Number(/before offset (\d+) /.exec(error.message)?.[1]);
    expect(error.message).toMatch(/^invalid OTLP\/JSON ExportTraceServiceRequest: a value of the wrong type or out of range before offset \d+ /);
    // Where the reader stopped: after the value, within its span.
    expect(offset).toBeGreaterThan(at);
    expect(named.indexOf('"spanId"', at)).toBeGreaterThan(-1);
    await expect(decodeRequest('json', named, 'app-1', stages(LIMIT_DEFAULT))).rejects.toThrow(/kind: expected an integer/);
    // A top-level array: what the whole parse says.
    const listed = Buffer.from(`\ufeff [${text}]`);
    expect((await refusal(listed, limit)).message).toBe('invalid OTLP/JSON ExportTraceServiceRequest: the body must be a JSON object');
    await expect(decodeRequest('json', listed, 'app-1', stages(LIMIT_DEFAULT))).rejects.toThrow('invalid OTLP/JSON ExportTraceServiceRequest: the body must be a JSON object');
  });

  it('names the byte where a literal goes wrong, and a literal the body cuts short', async () => {
    const text = body.toString('utf8');
    // The last span's count of dropped attributes: past the limit in the body.
    const at = text.lastIndexOf('"droppedAttributesCount":0') + '"droppedAttributesCount":'.length;
    const wrong = Buffer.from(`${text.slice(0, at)}trux${text.slice(at + 1)}`);
    expect((await refusal(wrong, limit)).message).toBe(`request body is not valid JSON: unexpected 'x' at offset ${at + 3}`);
    const cut = Buffer.from(`${text.slice(0, at)}nul`);
    expect(cut.length).toBeGreaterThan(limit);
    expect((await refusal(cut, limit)).message).toBe('request body is not valid JSON: the body ends early');
  });

  it('calls valid JSON nested deeper than the reader follows a layout, not a syntax error', async () => {
    const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
    const text = body.toString('utf8').replace('{"resourceSpans":', `{"extra":${deep},"resourceSpans":`);
    const nested = Buffer.from(text);
    expect(JSON.parse(text)).toHaveProperty('extra');
    expect(await refusal(nested, limit)).toMatchObject({ code: 'XRAY_ERR_OTLP_BODY_TOO_LARGE' });
    expect((await decodeRequest('json', nested, 'app-1', stages(LIMIT_DEFAULT))).rows.steps).toHaveLength(40);
  });

  it('refuses, past the limit, what the reader refuses at once: more attribute values than a request may carry', async () => {
    const head = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"s","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[';
    const many = Buffer.from(`${head}${Array.from({ length: 1_000_001 }, () => '{}').join(',')}]}]}]}]}`);
    const error = await refusal(many, 1024);
    expect(error).toBeInstanceOf(OtlpDecodeError);
    expect(error.message).toMatch(/more than 1000000 attribute values/);
  });
});
