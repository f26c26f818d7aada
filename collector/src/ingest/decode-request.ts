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
import type { EncodedRows, RowBatch, StepRow } from '../contracts/rows.js';
import type { DecodeResult } from '../contracts/spans.js';
import { decodeJsonTraces, decodeProtobufTraces, MAX_REJECTION_MESSAGES } from '../otlp/index.js';
import type { OtlpFormat } from '../otlp/index.js';
import { deduplicationTokenOf } from './deduplication-token.js';

/** The stages after decoding, given by the caller (the worker builds the real ones; tests may fake them). */
export interface DecodeStages {
  /** Keeps the spans ClickHouse will store and keep (model/span-admission.ts, clock applied). */
  admitSpans: (spans: DecodeResult['spans']) => DecodeResult;
  toRows: (appId: string, spans: DecodeResult['spans']) => RowBatch;
  /** Encodes the steps for the insert; undefined (or absent) keeps them as objects. */
  encodeSteps?: (steps: StepRow[]) => EncodedRows | undefined;
  /** Lets other work run between stages (inline decoding of a large body). */
  pause?: () => Promise<void>;
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
  const decoded = format === 'protobuf' ? decodeProtobufTraces(bytes) : decodeJsonTraces(bytes);
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
