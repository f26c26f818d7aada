/**
 * Group commit for ingest. ClickHouse wants few, large inserts (every INSERT
 * makes a part that must later be merged), while OTLP clients send many small
 * requests at once. The batcher gathers the rows of concurrent requests and
 * writes them together; each caller's promise settles only when the insert
 * holding its rows has finished, so a request is acknowledged only after its
 * own rows are stored, and a failed insert fails exactly the requests in it.
 *
 * One batch is written at a time (its steps and executions inserts run
 * side by side): rows that arrive meanwhile form the next batch, so batches
 * grow by themselves under load with no tuning.
 */
import type { ExecutionRow, RowBatch } from '../contracts/rows.js';
import type { ClickHouseBackend } from './backend.js';

export interface InsertBatcherOptions {
  /** Write as soon as this many rows are waiting. */
  maxBatchRows: number;
  /** Longest a row waits for companions before it is written. */
  maxWaitMillis: number;
  /** Rows waiting or being written beyond which new writes are refused (backpressure). */
  maxPendingRows: number;
}

/** What one insert did, for metrics. */
export interface FlushInfo {
  rows: number;
  requests: number;
  millis: number;
  ok: boolean;
  /** The execution rows this insert stored (set only when `ok`), for listeners such as the live tail. */
  executions?: readonly ExecutionRow[];
}

export interface InsertBatcher {
  /** Resolves once the rows are inserted; rejects with the insert's error, or OverloadedError at once. */
  write(batch: RowBatch): Promise<void>;
  /** Writes whatever is waiting and resolves when nothing is pending. */
  drain(): Promise<void>;
  /** Rows accepted but not yet inserted. */
  readonly pendingRows: number;
  /** Calls `listener` after every insert; returns a function that stops it. */
  onFlush(listener: (info: FlushInfo) => void): () => void;
}

/** Refused because too many rows are already waiting; the caller should answer 503 with Retry-After. */
export class OverloadedError extends Error {
  constructor(pendingRows: number) {
    super(`Ingest queue is full (${pendingRows} rows waiting for ClickHouse)`);
    this.name = 'OverloadedError';
  }
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Pending {
  executions: RowBatch['executions'];
  steps: RowBatch['steps'];
  waiters: Waiter[];
  rows: number;
  /** When the oldest waiting row arrived (performance.now()). */
  since: number;
}

const emptyPending = (): Pending => ({ executions: [], steps: [], waiters: [], rows: 0, since: 0 });

export function createInsertBatcher(backend: ClickHouseBackend, options: InsertBatcherOptions): InsertBatcher {
  let pending = emptyPending();
  let inFlightRows = 0;
  let inFlight: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const idleWaiters: (() => void)[] = [];
  const flushListeners = new Set<(info: FlushInfo) => void>();

  async function insert(batch: Pending): Promise<void> {
    const started = performance.now();
    let ok = false;
    try {
      // The two tables are written concurrently: each insert has a large fixed
      // cost (a new part, materialized views), so overlapping them shortens
      // every batch. A request is acknowledged only when both are done; for a
      // moment an execution may be listed before its steps are readable.
      await Promise.all([
        batch.steps.length > 0 ? backend.insert('steps', batch.steps) : undefined,
        batch.executions.length > 0 ? backend.insert('executions', batch.executions) : undefined,
      ]);
      ok = true;
      for (const waiter of batch.waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    } finally {
      const info: FlushInfo = { rows: batch.rows, requests: batch.waiters.length, millis: performance.now() - started, ok };
      if (ok) info.executions = batch.executions;
      for (const listener of flushListeners) {
        try {
          listener(info);
        } catch {
          // A metrics listener must never turn a stored batch into a failure.
        }
      }
    }
  }

  function startFlush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (inFlight || pending.rows === 0) return;
    const batch = pending;
    pending = emptyPending();
    inFlightRows = batch.rows;
    inFlight = insert(batch).finally(() => {
      inFlight = undefined;
      inFlightRows = 0;
      if (pending.rows === 0) {
        while (idleWaiters.length > 0) idleWaiters.shift()!();
      } else if (pending.rows >= options.maxBatchRows || idleWaiters.length > 0) {
        startFlush();
      } else {
        // Let the batch grow until its oldest row has waited maxWaitMillis:
        // clients whose requests were just acknowledged are about to send more.
        scheduleFlush();
      }
    });
  }

  function scheduleFlush(): void {
    if (timer || inFlight) return;
    const waited = performance.now() - pending.since;
    timer = setTimeout(startFlush, Math.max(0, options.maxWaitMillis - waited));
  }

  return {
    get pendingRows() {
      return pending.rows + inFlightRows;
    },
    onFlush(listener) {
      flushListeners.add(listener);
      return () => flushListeners.delete(listener);
    },
    write(batch: RowBatch): Promise<void> {
      const rows = batch.executions.length + batch.steps.length;
      if (rows === 0) return Promise.resolve();
      const waiting = pending.rows + inFlightRows;
      if (waiting > 0 && waiting + rows > options.maxPendingRows) return Promise.reject(new OverloadedError(waiting));
      const done = new Promise<void>((resolve, reject) => pending.waiters.push({ resolve, reject }));
      if (pending.rows === 0) pending.since = performance.now();
      for (const row of batch.executions) pending.executions.push(row);
      for (const row of batch.steps) pending.steps.push(row);
      pending.rows += rows;
      if (pending.rows >= options.maxBatchRows) startFlush();
      else scheduleFlush();
      return done;
    },
    drain(): Promise<void> {
      if (pending.rows === 0 && !inFlight) return Promise.resolve();
      const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
      startFlush();
      return idle;
    },
  };
}
