/**
 * One OTLP request's body (already decompressed) to the rows the batcher
 * inserts: decode (protobuf or JSON), admit the spans ClickHouse will store
 * and keep, map them to rows, name the request for deduplication, and (in a
 * decode worker) encode the steps for the insert. It runs inline on the
 * main thread for small bodies; the worker pool (decode-pool.ts) runs
 * encode-request.ts, the same answer streamed span by span, when the store
 * takes encoded steps, and this otherwise or when that gives up (a test
 * holds the two to the same rows and bytes).
 */
import { isUtf8 } from 'node:buffer';
import type { EncodedRows, RowBatch, StepRow } from '../contracts/rows.js';
import type { DecodeResult } from '../contracts/spans.js';
import { XRayError } from '../errors.js';
import { decodeJsonTraces, decodeProtobufTraces, MAX_REJECTION_MESSAGES, OtlpDecodeError } from '../otlp/index.js';
import type { OtlpFormat } from '../otlp/index.js';
import { byteOrderMarkLength, jsonSyntaxError, readJsonTraces, type JsonGiveUp } from '../otlp/json-span-reader.js';
import { deduplicationTokenOf } from './deduplication-token.js';

/**
 * The largest OTLP/JSON body parsed whole (XRAY_JSON_WHOLE_PARSE_MAX_BYTES).
 * A larger one is read span by span (otlp/json-span-reader.ts), which takes
 * the layout OpenTelemetry's exporters write; one in another layout (a
 * snake_case or escaped field name, a key given twice, a resource after its
 * spans) is refused, 413. JSON.parse makes every value of a body before
 * anything can count them: 16 MiB of empty attribute objects behind a
 * snake_case key cost it 2.4 s of CPU and ~570 MB in a decode worker before
 * the limit of attribute values refused them; 4 MiB bounds that to a
 * quarter, under what the protobuf decoder spends on its worst 16 MiB body
 * (bench/README.md). The SDK's requests are at most 4 MiB too.
 */
export const DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES = 4 * 1024 * 1024;

/** The stages after decoding, given by the caller (the worker builds the real ones; tests may fake them). */
export interface DecodeStages {
  /** Keeps the spans ClickHouse will store and keep (model/span-admission.ts, clock applied). */
  admitSpans: (spans: DecodeResult['spans']) => DecodeResult;
  toRows: (appId: string, spans: DecodeResult['spans']) => RowBatch;
  /** Encodes the steps for the insert; undefined (or absent) keeps them as objects. */
  encodeSteps?: (steps: StepRow[]) => EncodedRows | undefined;
  /** Lets other work run between stages (inline decoding of a large body). */
  pause?: () => Promise<void>;
  /** OTLP/JSON bodies larger than this are never parsed whole (DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES when omitted). */
  jsonWholeParseMaxBytes?: number;
  /** The span reader has already read this body and given up, and why (the decode worker's streamed pass): not read again. */
  jsonReaderGaveUp?: JsonGiveUp;
}

/** What one request decoded to. */
export interface DecodedRequest {
  /** The admitted spans' rows, with the request's deduplication token. */
  rows: RowBatch;
  admittedSpans: number;
  /** Spans invalid on the wire (bad ids, bad times). */
  invalidSpans: number;
  /** Spans ClickHouse would refuse or drop (outside retention, future, bad text). */
  unstorableSpans: number;
  /** At most MAX_REJECTION_MESSAGES reasons, for partial_success. */
  rejectionMessages: string[];
}

/**
 * @example
 * const decoded = await decodeRequest('protobuf', body, 'checkout', { admitSpans, toRows: spansToRows });
 */
export async function decodeRequest(format: OtlpFormat, body: Uint8Array, appId: string, stages: DecodeStages): Promise<DecodedRequest> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const decoded = format === 'protobuf' ? decodeProtobufTraces(bytes) : decodeJson(bytes, stages);
  await stages.pause?.();
  const admitted = stages.admitSpans(decoded.spans);
  const rows = stages.toRows(appId, admitted.spans);
  rows.deduplicationToken = deduplicationTokenOf(appId, bytes, admitted.spans.length);
  await stages.pause?.();
  const encoded = stages.encodeSteps?.(rows.steps);
  if (encoded) {
    rows.encodedSteps = encoded;
    rows.steps = [];
  }
  return {
    rows,
    admittedSpans: admitted.spans.length,
    invalidSpans: decoded.rejectedSpans,
    unstorableSpans: admitted.rejectedSpans,
    rejectionMessages: [...decoded.rejectionMessages, ...admitted.rejectionMessages].slice(0, MAX_REJECTION_MESSAGES),
  };
}

/**
 * An OTLP/JSON body: parsed whole up to the limit, read span by span past it;
 * past it, a body the reader does not take is refused with what is wrong.
 */
function decodeJson(bytes: Buffer, stages: DecodeStages): DecodeResult {
  const limit = stages.jsonWholeParseMaxBytes ?? DEFAULT_JSON_WHOLE_PARSE_MAX_BYTES;
  if (bytes.length <= limit) return decodeJsonTraces(bytes);
  let why = stages.jsonReaderGaveUp;
  if (!why) {
    const read = readJsonTraces(bytes, undefined, undefined, (reason) => {
      why = reason;
    });
    if (read) return read;
  }
  throw refusalOfWholeParse(bytes, limit, why!);
}

/**
 * Why a body too large to parse whole is refused, without parsing it: not
 * JSON at all (400, where), not a request (400: not an object, or a value of
 * the wrong kind, where the reader stopped), or a request in a layout only a
 * whole parse reads (413).
 */
function refusalOfWholeParse(bytes: Buffer, limit: number, why: JsonGiveUp): Error {
  if (!isUtf8(bytes)) return new OtlpDecodeError('request body is not valid JSON: it is not valid UTF-8');
  const syntax = jsonSyntaxError(bytes);
  if (syntax) {
    const found = syntax.byte === undefined ? 'the body ends early' : `unexpected ${describeByte(syntax.byte)} at offset ${syntax.offset}`;
    return new OtlpDecodeError(`request body is not valid JSON: ${found}`);
  }
  if (!why.layout) {
    let first = byteOrderMarkLength(bytes);
    while (first < bytes.length && (bytes[first] === 0x20 || bytes[first] === 0x09 || bytes[first] === 0x0a || bytes[first] === 0x0d)) first++;
    if (bytes[first] !== 0x7b) return new OtlpDecodeError('invalid OTLP/JSON ExportTraceServiceRequest: the body must be a JSON object');
    return new OtlpDecodeError(
      `invalid OTLP/JSON ExportTraceServiceRequest: a value of the wrong type or out of range before offset ${why.offset} ` +
        `(a body over ${limit} bytes, XRAY_JSON_WHOLE_PARSE_MAX_BYTES, is read span by span, which says where, not which field)`,
    );
  }
  return new XRayError(
    'XRAY_ERR_OTLP_BODY_TOO_LARGE',
    `This OTLP/JSON body of ${bytes.length} bytes is over ${limit} bytes (XRAY_JSON_WHOLE_PARSE_MAX_BYTES) and is not laid out as ` +
      'OpenTelemetry exporters write OTLP/JSON (lowerCamelCase field names without escapes, each field once in its object, ' +
      'a resource and a scope before their spans, one member in an AnyValue, unknown fields nested at most 64 deep), ' +
      'which only a body under that size may depart from: ' +
      'send it in smaller requests, or in that layout',
  );
}

/** A byte as a message names it: the character when printable ASCII, else its code. */
function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}
