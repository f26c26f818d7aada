/**
 * The decode worker (a piscina worker thread, see decode-pool.ts): decodes,
 * admits, maps and encodes one request off the main thread (span by span,
 * encode-request.ts, when the store takes encoded steps), and hands back
 * the rows with the encoded steps' bytes transferred, not copied. Failures
 * come back as registry codes (the main thread rebuilds the error), so a
 * request answers the same whichever thread decoded it. Never loads chDB.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { ErrorCode } from '../errors.js';
import { admitSpans } from '../model/span-admission.js';
import type { SpanAdmissionOptions } from '../model/span-admission.js';
import { rowMapper, stepCostEstimator } from '../cost/estimate-costs.js';
import type { PriceTable } from '../cost/price-table.js';
import type { OtlpFormat } from '../otlp/index.js';
import { encodeRows } from '../store/row-encoding.js';
import type { EncodedRows, StepRow } from '../contracts/rows.js';
import { decodeRequest } from './decode-request.js';
import { StepExtrasGatherer, encodeStreamedRequest } from './encode-request.js';
import type { DecodedRequest } from './decode-request.js';
import { toIngestError } from './ingest-error.js';

/** Fixed for the pool's life. */
export interface DecodeWorkerData {
  admission: SpanAdmissionOptions;
  /** Encode the steps for the insert (store/row-encoding.ts), when the store takes encoded rows; else they stay objects. */
  encodeSteps: boolean;
  /** With encodeSteps: also count them for the list head (store/step-totals.ts), when there is one. */
  countSteps?: boolean;
  /** OTLP/JSON bodies larger than this are never parsed whole (decode-request.ts); its default when undefined. */
  jsonWholeParseMaxBytes?: number;
  /** Prices that fill in the cost of steps with gen_ai usage but no cost (cost/); none when undefined. */
  priceTable?: PriceTable;
  /**
   * Nice value of each worker thread (Linux), 0 for none. The decode of the
   * next batch and ClickHouse's insert of the current one compete for the
   * same cores; a lower priority gives the insert (the bottleneck) its cores
   * and leaves the decode the rest (bench/README.md, `ingest`).
   */
  niceness?: number;
}

export interface DecodeWorkerTask {
  format: OtlpFormat;
  body: Uint8Array;
  appId: string;
  /** The main thread's clock, so admission does not depend on which thread decodes. */
  nowNanos: bigint;
  /**
   * With encodeSteps: also gather the steps' word hashes for step search's
   * sieves (store/word-sieve.ts), when the app has one (api/search-sieves.ts).
   */
  gatherWords?: boolean;
}

export type DecodeWorkerReply =
  | { ok: true; decoded: DecodedRequest }
  | { ok: false; code: ErrorCode; message: string; stack?: string };

const config = workerData as DecodeWorkerData;
lowerThreadPriority(config.niceness ?? 0);

/**
 * Sets this thread's nice value. Linux schedules threads one by one, and
 * `/proc/thread-self` names the calling thread's id, which setpriority takes
 * as a pid; elsewhere (or if refused) the thread keeps its priority.
 */
function lowerThreadPriority(niceness: number): void {
  if (niceness <= 0 || process.platform !== 'linux') return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0 && threadId !== process.pid) setPriority(threadId, niceness);
  } catch {
    // A priority is an optimisation: decoding at the normal one is correct.
  }
}
/**
 * The steps as bytes, with what the list head counts of them and, when the
 * task asks, the hashes of their words for step search's sieves (the rows
 * never reach the main thread as objects).
 */
function encodeStepsWithExtras(steps: StepRow[], gatherWords: boolean): EncodedRows | undefined {
  const encoded = encodeRows('steps', steps);
  if (!encoded) return undefined;
  const extras = new StepExtrasGatherer({ countSteps: config.countSteps, gatherWords });
  for (const step of steps) extras.add(step);
  return extras.attachTo(encoded);
}
const toRows = rowMapper(config.priceTable);
const estimateCost = stepCostEstimator(config.priceTable);

/** A reply whose payload's memory moves to the main thread instead of being copied. */
class MovedReply {
  constructor(
    private readonly reply: DecodeWorkerReply,
    private readonly buffers: ArrayBuffer[],
  ) {}
  get [transferableSymbol](): ArrayBuffer[] {
    return this.buffers;
  }
  get [valueSymbol](): DecodeWorkerReply {
    return this.reply;
  }
}

export default async function decode(task: DecodeWorkerTask): Promise<unknown> {
  try {
    const gatherWords = task.gatherWords === true;
    const streamed =
      config.encodeSteps
        ? encodeStreamedRequest(task.format, task.body, task.appId, {
            nowNanos: task.nowNanos,
            admission: config.admission,
            estimateCost,
            countSteps: config.countSteps,
            gatherWords,
          })
        : undefined;
    // Staged: a store that takes row objects, OTLP/JSON the span reader gives up on, or a row the Native format cannot carry (it stays one).
    const decoded =
      streamed !== undefined && !('fallback' in streamed)
        ? streamed
        : await decodeRequest(task.format, task.body, task.appId, {
            admitSpans: (spans) => admitSpans(spans, task.nowNanos, config.admission),
            toRows,
            encodeSteps: config.encodeSteps ? (steps) => encodeStepsWithExtras(steps, gatherWords) : undefined,
            jsonWholeParseMaxBytes: config.jsonWholeParseMaxBytes,
            jsonReaderGaveUp: streamed?.fallback === 'json' ? streamed.why : undefined,
          });
    const reply: DecodeWorkerReply = { ok: true, decoded };
    const encoded = decoded.rows.encodedSteps;
    if (!encoded) return reply;
    const buffers = [encoded.payload.buffer as ArrayBuffer, ...(encoded.words ?? []).map(({ hashes }) => hashes.buffer as ArrayBuffer)];
    return move(new MovedReply(reply, buffers) as never);
  } catch (error) {
    const failure = toIngestError(error);
    const stack = failure.code === 'XRAY_ERR_INTERNAL' && error instanceof Error ? error.stack : undefined;
    return { ok: false, code: failure.code, message: failure.message, stack } satisfies DecodeWorkerReply;
  }
}
