/**
 * The decode worker (a piscina worker thread, see decode-pool.ts): decodes,
 * admits, maps and encodes one request off the main thread, and hands back
 * the rows with the encoded steps' bytes transferred, not copied. Failures
 * come back as registry codes (the main thread rebuilds the error), so a
 * request answers the same whichever thread decoded it. Never loads chDB.
 */
import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { ErrorCode } from '../errors.js';
import { admitSpans } from '../model/span-admission.js';
import type { SpanAdmissionOptions } from '../model/span-admission.js';
import { rowMapper } from '../cost/estimate-costs.js';
import type { PriceTable } from '../cost/price-table.js';
import type { OtlpFormat } from '../otlp/index.js';
import { encodeRows } from '../store/row-encoding.js';
import { decodeRequest } from './decode-request.js';
import type { DecodedRequest } from './decode-request.js';
import { toIngestError } from './ingest-error.js';

/** Fixed for the pool's life. */
export interface DecodeWorkerData {
  admission: SpanAdmissionOptions;
  /** Encode the steps for the insert (store/row-encoding.ts), when the store takes encoded rows; else they stay objects. */
  encodeSteps: boolean;
  /** Prices that fill in the cost of steps with gen_ai usage but no cost (cost/); none when undefined. */
  priceTable?: PriceTable;
}

export interface DecodeWorkerTask {
  format: OtlpFormat;
  body: Uint8Array;
  appId: string;
  /** The main thread's clock, so admission does not depend on which thread decodes. */
  nowNanos: bigint;
}

export type DecodeWorkerReply =
  | { ok: true; decoded: DecodedRequest }
  | { ok: false; code: ErrorCode; message: string; stack?: string };

const config = workerData as DecodeWorkerData;
const encodeSteps = config.encodeSteps ? encodeRows : undefined;
const toRows = rowMapper(config.priceTable);

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
    const decoded = await decodeRequest(task.format, task.body, task.appId, {
      admitSpans: (spans) => admitSpans(spans, task.nowNanos, config.admission),
      toRows,
      encodeSteps,
    });
    const reply: DecodeWorkerReply = { ok: true, decoded };
    const payload = decoded.rows.encodedSteps?.payload;
    return payload ? move(new MovedReply(reply, [payload.buffer as ArrayBuffer]) as never) : reply;
  } catch (error) {
    const failure = toIngestError(error);
    const stack = failure.code === 'XRAY_ERR_INTERNAL' && error instanceof Error ? error.stack : undefined;
    return { ok: false, code: failure.code, message: failure.message, stack } satisfies DecodeWorkerReply;
  }
}
