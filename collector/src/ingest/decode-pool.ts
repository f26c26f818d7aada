/**
 * Decoding large OTLP bodies off the main thread: a piscina pool of worker
 * threads (decode-worker.ts) turns a decompressed body into rows ready for
 * the insert (steps already encoded when the store takes them so), so a 15 MB
 * request no longer holds the event loop for a second while /healthz,
 * small requests and the batcher wait, and decoding uses the other cores.
 *
 * The body's memory moves to the worker and the encoded rows' memory moves
 * back (transfer lists), so nothing large is copied between threads; the
 * in-flight byte budget (limits/in-flight-bytes.ts) still bounds how many
 * bodies are being decoded at once. A worker that dies (out of memory,
 * crash) fails only the requests it held, with XRAY_ERR_DECODE_WORKER_LOST
 * (503, retryable; nothing of them was stored), and piscina starts another.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { XRayError } from '../errors.js';
import type { DecodedRequest } from './decode-request.js';
import type { DecodeWorkerData, DecodeWorkerReply, DecodeWorkerTask } from './decode-worker.js';

export interface DecodePoolOptions extends DecodeWorkerData {
  /** Worker threads; the cores but one (the main thread's), at least 1, at most 4, when omitted. */
  threads?: number;
  /** Old-generation heap limit of each worker, in MB: a body that needs more kills only its worker. */
  maxWorkerHeapMb?: number;
}

export interface DecodePool {
  readonly threads: number;
  /** Decodes in a worker; rejects with the XRayError the request is answered with. */
  decode(task: DecodeWorkerTask): Promise<DecodedRequest>;
  /** Requests being decoded or waiting for a worker. */
  readonly pending: number;
  /** The live worker threads (diagnostics, tests). */
  readonly workers: readonly Worker[];
  close(): Promise<void>;
}

/**
 * Bodies up to this size are decoded inline: handing one to a worker costs a
 * message each way, more than decoding a few spans (bench/README.md, `ingest`).
 */
export const DEFAULT_DECODE_INLINE_MAX_BYTES = 64 * 1024;

/**
 * The decode workers' nice value (decode-worker.ts): 0, the process's own
 * priority, by default. A positive value lets chDB's insert threads go first
 * on a dedicated machine, but on a busy shared one it also puts decoding
 * behind every other process there: measured on the shared 2-core box (load
 * 8-10), nice 10 made 16-client ingest 0.65x as fast with batches a third
 * smaller (bench/README.md, `ingest`). Opt in with XRAY_DECODE_NICENESS.
 */
export const DEFAULT_DECODE_NICENESS = 0;

/** The default worker count for this machine. */
export function defaultDecodeThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * The worker script (decode-worker-entry.cts, which imports decode-worker.ts):
 * the compiled sibling; when this module runs from the TypeScript sources
 * (the test suite), the compiled one in dist/.
 */
export function decodeWorkerFile(): string {
  const sibling = fileURLToPath(new URL('./decode-worker-entry.cjs', import.meta.url));
  if (existsSync(sibling)) return sibling;
  return fileURLToPath(new URL('../../dist/ingest/decode-worker-entry.cjs', import.meta.url));
}

/** A view that owns its whole ArrayBuffer can be moved; a slice of a shared one is copied first. */
function movable(body: Uint8Array): Uint8Array {
  return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : body.slice();
}

/**
 * @example
 * const pool = createDecodePool({ admission: { retentionDays: 30, maxFutureSkewSeconds: 3600 }, encodeSteps: true });
 * const decoded = await pool.decode({ format: 'protobuf', body, appId: 'checkout', nowNanos: BigInt(Date.now()) * 1_000_000n });
 */
export function createDecodePool(options: DecodePoolOptions): DecodePool {
  const threads = options.threads ?? defaultDecodeThreads();
  const data: DecodeWorkerData = {
    admission: options.admission,
    encodeSteps: options.encodeSteps,
    countSteps: options.countSteps,
    priceTable: options.priceTable,
    niceness: options.niceness ?? DEFAULT_DECODE_NICENESS,
    jsonWholeParseMaxBytes: options.jsonWholeParseMaxBytes,
  };
  const pool = new Piscina({
    filename: decodeWorkerFile(),
    minThreads: threads,
    maxThreads: threads,
    // Threads stay up: starting one costs tens of milliseconds.
    idleTimeout: Number.POSITIVE_INFINITY,
    workerData: data,
    resourceLimits: { maxOldGenerationSizeMb: options.maxWorkerHeapMb ?? 1024 },
  });
  let pending = 0;
  return {
    threads,
    get pending() {
      return pending;
    },
    get workers() {
      return pool.threads;
    },
    async decode(task) {
      const body = movable(task.body);
      pending += 1;
      let reply: DecodeWorkerReply;
      try {
        reply = (await pool.run({ ...task, body }, { transferList: [body.buffer as ArrayBuffer] })) as DecodeWorkerReply;
      } catch (error) {
        throw new XRayError(
          'XRAY_ERR_DECODE_WORKER_LOST',
          `The worker decoding this request stopped (${(error as Error).message}); nothing of it was stored, retry later`,
          { cause: error },
        );
      } finally {
        pending -= 1;
      }
      if (!reply.ok) {
        const cause = reply.stack === undefined ? undefined : Object.assign(new Error(reply.message), { stack: reply.stack });
        throw new XRayError(reply.code, reply.code === 'XRAY_ERR_INTERNAL' ? undefined : reply.message, { cause });
      }
      return reply.decoded;
    },
    close: () => pool.close({ force: true }),
  };
}
