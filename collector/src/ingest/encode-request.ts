/**
 * What a decode worker does with a large OTLP body: decode, admit, map and
 * encode it span by span, so no span or step row outlives its own mapping.
 *
 * decodeRequest (decode-request.ts) runs the stages one after the other over
 * the whole request: every span, then every row, stays alive until the
 * encoder has written the last one. Under the collector's small young
 * generation (launch.ts) a 1,000-span request outgrew it several times over,
 * so each scavenge copied the request's spans and rows and promoted them to
 * the old generation, where a full collection later freed them: in a decode
 * worker under ingest, a third of its CPU went to that, on the cores the
 * engine's insert needs (bench/README.md, `ingest`). Here a span goes from
 * the decoder to admission, to its row, to the Native block's columns, and
 * dies young; the only values kept to the end are the steps' pipeline and
 * environment (a step without them inherits its root's, and the root may
 * come last) and the roots themselves.
 *
 * OTLP/JSON is read span by span from its bytes (otlp/json-span-reader.ts):
 * JSON.parse would make the whole request's objects first, and those, not
 * the rows, were what the young generation copied. The reader takes the
 * requests OpenTelemetry's serializers write; on any other it gives up, and
 * so does this (undefined).
 *
 * The result is exactly decodeRequest's with the steps encoded (the tests
 * compare them byte for byte). A StreamFallback asks the caller to run
 * decodeRequest instead: for such a JSON body (`json`, with why the reader
 * gave up), or a request whose rows the Native format cannot carry
 * (`row-encoding`, a RowEncodingError), which leaves them as objects for the
 * insert to refuse.
 */
import type { EncodedRows, RowBatch, StepRow } from '../contracts/rows.js';
import type { DecodedSpan } from '../contracts/spans.js';
import { createSpanAdmitter } from '../model/span-admission.js';
import type { SpanAdmissionOptions } from '../model/span-admission.js';
import { inheritedFields, RequestRowMapper } from '../model/span-to-rows.js';
import { decodeProtobufTraces, MAX_REJECTION_MESSAGES } from '../otlp/index.js';
import type { OtlpFormat } from '../otlp/index.js';
import { readJsonTraces, type JsonGiveUp } from '../otlp/json-span-reader.js';
import { NATIVE_TABLES, NativeBlockBuilder, RowEncodingError, RowKeys } from '../store/row-encoding.js';
import { StepTotalsBuilder } from '../store/step-totals.js';
import { StepWordsGatherer } from '../store/word-sieve.js';
import { deduplicationTokenOf } from './deduplication-token.js';
import type { DecodedRequest } from './decode-request.js';

export interface EncodeRequestOptions {
  /** The main thread's clock, in nanoseconds. */
  nowNanos: bigint;
  admission: SpanAdmissionOptions;
  /** Fills in a step's cost from the price table (cost/estimate-costs.ts `stepCostEstimator`). */
  estimateCost?: (step: StepRow) => void;
  /** Count the steps for the list head (store/step-totals.ts). */
  countSteps?: boolean;
  /** Gather the steps' word hashes for step search's sieves (store/word-sieve.ts). */
  gatherWords?: boolean;
}

/** The steps table's columns, in the order spanToStepRow builds a row (the order decodeRequest's block has). */
const STEP_COLUMNS = Object.keys(NATIVE_TABLES.steps);
/** Few spans take fewer bytes of protobuf than this (ids, a name and two times alone take ~60), or of JSON than twice it. */
const SPAN_BYTES_AT_LEAST: Readonly<Record<OtlpFormat, number>> = { protobuf: 256, json: 512 };
/** Known only once the request's roots are in: a step without them inherits its root's. */
const INHERITED_COLUMNS = ['pipeline', 'environment'] as const;

/**
 * What the main thread learns of a request's steps besides their bytes:
 * their totals for the list head (when `countSteps`) and the hashes of their
 * words for step search's sieves (when `gatherWords`). One gatherer serves
 * the streamed pipeline, row by row, and the staged one (decode-worker.ts).
 */
export class StepExtrasGatherer {
  private readonly totals: StepTotalsBuilder | undefined;
  private readonly words: StepWordsGatherer | undefined;

  constructor(options: Pick<EncodeRequestOptions, 'countSteps' | 'gatherWords'>) {
    this.totals = options.countSteps ? new StepTotalsBuilder() : undefined;
    this.words = options.gatherWords ? new StepWordsGatherer() : undefined;
  }

  add(row: StepRow): void {
    this.totals?.add(row);
    this.words?.add(row);
  }

  /** Sets what was gathered on `encoded`, the same steps' bytes. */
  attachTo(encoded: EncodedRows): EncodedRows {
    if (this.totals) encoded.stepTotals = this.totals.totals();
    if (this.words) encoded.words = this.words.result();
    return encoded;
  }
}

/** A request's steps, encoded as they are mapped, with what the main thread learns of them. */
class EncodedStepsBuilder {
  private readonly block: NativeBlockBuilder;
  private readonly keys = new RowKeys();
  private readonly extras: StepExtrasGatherer;
  /** Rows without a pipeline or an environment, and their execution ids. */
  private readonly orphans: number[] = [];
  private readonly orphanExecutions: string[] = [];

  constructor(options: EncodeRequestOptions, format: OtlpFormat, bodyBytes: number) {
    // Room for as many rows as the body could hold at SPAN_BYTES_AT_LEAST a span, so that the
    // columns rarely grow; memory never written is never touched (launch.ts: glibc maps large blocks).
    const expectedRows = Math.ceil(bodyBytes / SPAN_BYTES_AT_LEAST[format]);
    this.block = new NativeBlockBuilder('steps', STEP_COLUMNS, { deferred: INHERITED_COLUMNS, expectedRows });
    this.extras = new StepExtrasGatherer(options);
  }

  add(row: StepRow): void {
    if (row.pipeline === '' || row.environment === '') {
      this.orphans.push(this.block.rows);
      this.orphanExecutions.push(row.execution_id);
    }
    this.block.add(row);
    this.keys.add(row);
    this.extras.add(row);
  }

  finish(executions: Parameters<typeof inheritedFields>[0]): EncodedRows | undefined {
    if (this.block.rows === 0) return undefined;
    if (this.orphans.length > 0) {
      const inherited = inheritedFields(executions);
      const pipelines = this.block.deferredValues('pipeline');
      const environments = this.block.deferredValues('environment');
      for (let i = 0; i < this.orphans.length; i++) {
        const fields = inherited.get(this.orphanExecutions[i]);
        if (!fields) continue;
        const row = this.orphans[i];
        if (pipelines[row] === '') pipelines[row] = fields.pipeline;
        if (environments[row] === '') environments[row] = fields.environment;
      }
    }
    return this.extras.attachTo({
      columns: [...this.block.columns],
      payload: this.block.finish(),
      rows: this.block.rows,
      days: this.keys.days,
      executions: this.keys.executions,
    });
  }
}

/** Why decodeRequest must answer instead: an OTLP/JSON body the span reader gave up on (and why), or a row the Native format cannot carry. */
export type StreamFallback = { fallback: 'json'; why: JsonGiveUp } | { fallback: 'row-encoding' };

/**
 * decodeRequest(format, …) with the steps encoded, streamed span by span;
 * a StreamFallback when decodeRequest must answer instead (see above).
 *
 * @example
 * const streamed = encodeStreamedRequest('protobuf', body, 'checkout', { nowNanos, admission });
 * const decoded = 'fallback' in streamed ? await decodeRequest('protobuf', body, 'checkout', stages) : streamed;
 */
export function encodeStreamedRequest(format: OtlpFormat, body: Uint8Array, appId: string, options: EncodeRequestOptions): DecodedRequest | StreamFallback {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const admitter = createSpanAdmitter(options.nowNanos, options.admission);
  const steps = new EncodedStepsBuilder(options, format, bytes.length);
  const estimateCost = options.estimateCost;
  const mapper = new RequestRowMapper(appId, (row) => {
    estimateCost?.(row);
    steps.add(row);
  });
  let admitted = 0;
  const take = (span: DecodedSpan): void => {
    if (!admitter.admit(span)) return;
    admitted += 1;
    mapper.add(span);
  };
  let why: JsonGiveUp | undefined;
  try {
    const decoded =
      format === 'protobuf'
        ? decodeProtobufTraces(bytes, take)
        : readJsonTraces(bytes, take, undefined, (reason) => {
            why = reason;
          });
    if (decoded === undefined) return { fallback: 'json', why: why! };
    const executions = mapper.finish();
    const encodedSteps = steps.finish(executions);
    const rows: RowBatch = { executions, steps: [], deduplicationToken: deduplicationTokenOf(appId, bytes, admitted) };
    if (encodedSteps) rows.encodedSteps = encodedSteps;
    return {
      rows,
      admittedSpans: admitted,
      invalidSpans: decoded.rejectedSpans,
      unstorableSpans: admitter.rejectedSpans,
      rejectionMessages: [...decoded.rejectionMessages, ...admitter.rejectionMessages].slice(0, MAX_REJECTION_MESSAGES),
    };
  } catch (error) {
    if (error instanceof RowEncodingError) return { fallback: 'row-encoding' };
    throw error;
  }
}
