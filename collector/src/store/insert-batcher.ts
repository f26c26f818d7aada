/**
 * Group commit for ingest. ClickHouse wants few, large inserts (every INSERT
 * makes a part that must later be merged), while OTLP clients send many small
 * requests at once. The batcher gathers the rows of concurrent requests and
 * writes them together; each caller's promise settles only when the insert
 * holding its rows has finished, so a request is acknowledged only after its
 * own rows are stored, and a failed insert fails exactly the requests in it.
 *
 * One batch is written at a time per lane (its steps and executions inserts
 * run side by side): rows that arrive meanwhile form the next batch, so
 * batches grow by themselves under load with no tuning. Small requests (at
 * most `expressMaxRows` rows) have a lane of their own, so a five-step
 * execution is not queued behind the insert of a 20,000-row batch: at most
 * two inserts run at once.
 *
 * One request's bad data never fails its batch-mates: when ClickHouse
 * refuses a merged insert for a data reason (insert-errors.ts), the batch is
 * split in halves by request and each half retried, down to the one request
 * that carries the bad rows, which alone is rejected with UnstorableRowsError.
 * A re-inserted row is harmless: the tables are ReplacingMergeTrees and reads
 * use FINAL.
 *
 * With `insertPerRequest`, each request of a batch is written as inserts of
 * its own, all of a batch's concurrently, under the request's deduplication
 * token: ClickHouse deduplicates per inserted block, so only a request's own
 * block can be recognised when the request comes again (through another
 * collector, or after a timeout). A failure then concerns one request by
 * construction. Rows spread over more days than ClickHouse accepts partitions
 * per INSERT are written in several inserts of at most that many days.
 */
import type { EncodedRows, ExecutionRow, RowBatch, StepRow, StepTotals } from '../contracts/rows.js';
import { ClickHouseError } from './backend.js';
import type { ClickHouseBackend } from './backend.js';
import { isDataError, UnstorableRowsError } from './insert-errors.js';
import type { RowEncodingError } from './row-encoding.js';

/** ClickHouse's default `max_partitions_per_insert_block`; the tables are partitioned by day. */
export const MAX_PARTITIONS_PER_INSERT = 100;

/**
 * Requests of up to this many rows (an execution of up to ~100 steps) take
 * the express lane: bench/README.md, `memory` (ingest-to-queryable).
 */
export const DEFAULT_EXPRESS_MAX_ROWS = 128;

export interface InsertBatcherOptions {
  /** Write as soon as this many rows are waiting. */
  maxBatchRows: number;
  /** Longest a row waits for companions before it is written. */
  maxWaitMillis: number;
  /** Rows waiting or being written beyond which new writes are refused (backpressure). */
  maxPendingRows: number;
  /**
   * Requests of at most this many rows go through a lane of their own, so
   * they never wait behind a large batch in flight; DEFAULT_EXPRESS_MAX_ROWS
   * when omitted, 0 puts every request in one lane.
   */
  expressMaxRows?: number;
  /**
   * Write each request as its own inserts (under its deduplication token)
   * instead of one merged insert per batch. Off when omitted.
   */
  insertPerRequest?: boolean;
  /**
   * Every write is announced while it is on its way (`expectWrite`): a lane
   * then holds waiting rows for companions only while another write is
   * announced; when none is, it writes them as soon as its inserts stay
   * maxWaitMillis apart, so a lone client's request (after a pause) never
   * waits for batch-mates that are not coming, and sparse traffic makes no
   * more inserts than before. Off when omitted: waiting rows are always held
   * until the oldest has waited maxWaitMillis.
   */
  announcedWrites?: boolean;
}

/** What one insert did, for metrics. */
export interface FlushInfo {
  rows: number;
  requests: number;
  millis: number;
  ok: boolean;
  /** The execution rows this insert stored (also when a batch-mate's data was refused), for listeners such as the live tail. */
  executions?: readonly ExecutionRow[];
  /**
   * `[app_id, execution_id]` of every execution this insert wrote a row of
   * (root or step), stored or only attempted (a failed insert may have stored
   * one table's rows): for caches of executions, which must forget them.
   */
  touched: readonly (readonly [string, string])[];
  /** `[app_id, day]` (YYYY-MM-DD of start_time) of every row this insert wrote or attempted: for what is kept per day. */
  days: readonly (readonly [string, string])[];
  /** Of `touched`, the executions whose root row this insert wrote or attempted. */
  roots: readonly (readonly [string, string])[];
  /** The step rows this insert stored, where it held them as objects (not encoded by a decode worker). */
  steps?: readonly StepRow[];
  /** What the list counts of the encoded step rows it stored, per request and execution (EncodedRows.stepTotals). */
  stepTotals?: readonly StepTotals[];
  /**
   * Of `touched`, the executions whose rows this insert wrote are not all in
   * `executions`, `steps` and `stepTotals`: a request holding rows of them
   * was not stored (and may have stored part of them), or encoded their
   * steps without totals.
   */
  opaque: readonly (readonly [string, string])[];
}

export interface InsertBatcher {
  /**
   * Resolves once the rows are inserted. Rejects with UnstorableRowsError when
   * ClickHouse refuses these rows' data (not retryable), with the insert's
   * error when it failed for another reason, or with OverloadedError at once.
   */
  write(batch: RowBatch): Promise<void>;
  /** Writes whatever is waiting and resolves when nothing is pending. */
  drain(): Promise<void>;
  /** Rows accepted but not yet inserted. */
  readonly pendingRows: number;
  /**
   * When the oldest insert still running started (ms since the epoch), or
   * undefined: every row of a running insert has an inserted_at at or after
   * it (the rollup job's bound, store/rollups.ts).
   */
  readonly oldestInsertStart: number | undefined;
  /** When the latest insert ended, stored or not (ms since the epoch), or undefined before the first. */
  readonly lastInsertEnd: number | undefined;
  /** Calls `listener` after every insert; returns a function that stops it. */
  onFlush(listener: (info: FlushInfo) => void): () => void;
  /**
   * Calls `listener` with every batch `write` accepts, before any of its rows
   * can be stored (what must know a row before a query can read it, such as
   * step search's sieves); returns a function that stops it. A listener must
   * not throw: one that does is ignored for that batch.
   */
  onWrite(listener: (batch: RowBatch) => void): () => void;
  /**
   * Counts a write on its way (a request accepted, its body still arriving
   * or being decoded) until the returned function is called, which its
   * caller does right after calling `write` (its rows are then waiting in a
   * lane) or when it gives up; calling it again does nothing. When the last
   * announced write is released, what waits is written without waiting for
   * more (once the lane's inserts stay maxWaitMillis apart). Only with
   * `announcedWrites`.
   */
  expectWrite(): () => void;
  /** Announced writes still on their way. */
  readonly writesOnTheirWay: number;
  /**
   * Resolves once every write announced before the call has been handed over
   * (or given up), and then every batch handed over by then is stored or
   * refused: what reads the engine for rows it did not see on their way
   * (step search's sieves) waits for this first.
   */
  settled(): Promise<void>;
}

/**
 * The executions whose rows `requests` hold, each once; those of them whose
 * root they hold; and those whose rows are not all held as objects by a
 * stored request (see FlushInfo.opaque).
 */
function touchedBy(requests: readonly { batch: RowBatch; stored?: boolean }[]): Pick<FlushInfo, 'touched' | 'days' | 'roots' | 'opaque'> {
  const touched = new Map<string, [string, string]>();
  const days = new Map<string, [string, string]>();
  const roots = new Map<string, [string, string]>();
  const opaque = new Map<string, [string, string]>();
  const add = (to: Map<string, [string, string]>, appId: string, executionId: string) => to.set(`${appId}\u0000${executionId}`, [appId, executionId]);
  for (const { batch, stored } of requests) {
    for (const row of batch.executions) {
      add(touched, row.app_id, row.execution_id);
      add(days, row.app_id, partitionOf(row));
      add(roots, row.app_id, row.execution_id);
      if (!stored) add(opaque, row.app_id, row.execution_id);
    }
    for (const row of batch.steps) {
      add(touched, row.app_id, row.execution_id);
      add(days, row.app_id, partitionOf(row));
      if (!stored) add(opaque, row.app_id, row.execution_id);
    }
    const apps = new Set<string>();
    for (const [appId, executionId] of batch.encodedSteps?.executions ?? []) {
      add(touched, appId, executionId);
      apps.add(appId);
      if (!stored || !batch.encodedSteps?.stepTotals) add(opaque, appId, executionId);
    }
    // Encoded rows name their days, not each row's app: every app of them with every day.
    for (const appId of apps) for (const day of batch.encodedSteps?.days ?? []) add(days, appId, day);
  }
  return { touched: [...touched.values()], days: [...days.values()], roots: [...roots.values()], opaque: [...opaque.values()] };
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

/** One caller's rows, kept apart so a failed batch can be retried request by request. */
interface Request extends Waiter {
  batch: RowBatch;
  /** Set once its rows are inserted. */
  stored?: boolean;
}

interface Pending {
  requests: Request[];
  rows: number;
  /** When the oldest waiting row arrived (performance.now()). */
  since: number;
}

const emptyPending = (): Pending => ({ requests: [], rows: 0, since: 0 });

/** The partition (day) of a row: the date part of its `start_time` text. */
function partitionOf(row: { start_time?: string }): string {
  return typeof row.start_time === 'string' ? row.start_time.slice(0, 10) : '';
}

/** Splits rows into groups spanning at most MAX_PARTITIONS_PER_INSERT days; usually one group, the rows themselves. */
export function splitByPartitions<Row extends { start_time?: string }>(rows: Row[]): Row[][] {
  const byDay = new Map<string, Row[]>();
  for (const row of rows) {
    const day = partitionOf(row);
    let group = byDay.get(day);
    if (!group) byDay.set(day, (group = []));
    group.push(row);
  }
  if (byDay.size <= MAX_PARTITIONS_PER_INSERT) return [rows];
  const chunks: Row[][] = [];
  let chunk: Row[] = [];
  let days = 0;
  for (const group of byDay.values()) {
    if (days === MAX_PARTITIONS_PER_INSERT) {
      chunks.push(chunk);
      chunk = [];
      days = 0;
    }
    for (const row of group) chunk.push(row);
    days += 1;
  }
  chunks.push(chunk);
  return chunks;
}

/** Rows of a request, encoded ones included. */
function rowsOf(batch: RowBatch): number {
  return batch.executions.length + batch.steps.length + (batch.encodedSteps?.rows ?? 0);
}

/**
 * Groups whole requests so that each group's steps span at most
 * MAX_PARTITIONS_PER_INSERT days: encoded rows cannot be split row by row.
 * Usually one group, the requests themselves (admission keeps a request to a
 * few days).
 */
function groupByDays<T extends { batch: RowBatch }>(requests: readonly T[]): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let days = new Set<string>();
  for (const request of requests) {
    const own = new Set(request.batch.encodedSteps?.days ?? []);
    for (const row of request.batch.steps) own.add(partitionOf(row));
    const union = new Set([...days, ...own]);
    if (group.length > 0 && union.size > MAX_PARTITIONS_PER_INSERT) {
      groups.push(group);
      group = [];
      days = own;
    } else {
      days = union;
    }
    group.push(request);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export function createInsertBatcher(backend: ClickHouseBackend, options: InsertBatcherOptions): InsertBatcher {
  const flushListeners = new Set<(info: FlushInfo) => void>();
  const writeListeners = new Set<(batch: RowBatch) => void>();
  // Start times of the inserts running now (a lane runs one at a time).
  const running = new Set<{ since: number }>();
  let lastInsertEnd: number | undefined;

  async function insertTable(table: string, rows: (ExecutionRow | StepRow)[], token: string | undefined): Promise<void> {
    const chunks = splitByPartitions(rows);
    for (let i = 0; i < chunks.length; i++) {
      // Chunks are different blocks, so each needs a token of its own.
      const deduplicationToken = token === undefined || chunks.length === 1 ? token : `${token}:${i}`;
      await backend.insert(table, chunks[i], { deduplicationToken });
    }
  }

  /** Inserts the steps of `requests`, some of them encoded already, in as few inserts as the partition limit allows. */
  async function insertSteps(requests: readonly Request[], token: string | undefined): Promise<void> {
    if (!requests.some((request) => request.batch.encodedSteps)) {
      await insertTable('steps', requests.flatMap((request) => request.batch.steps), token);
      return;
    }
    const groups = groupByDays(requests);
    for (let i = 0; i < groups.length; i++) {
      const deduplicationToken = token === undefined || groups.length === 1 ? token : `${token}:${i}`;
      const encoded: EncodedRows[] = [];
      const rows: StepRow[] = [];
      for (const { batch } of groups[i]) {
        if (batch.encodedSteps) encoded.push(batch.encodedSteps);
        for (const row of batch.steps) rows.push(row);
      }
      if (encoded.length === 0) await insertTable('steps', rows, deduplicationToken);
      else await backend.insert('steps', rows, { deduplicationToken, encoded });
    }
  }

  /** Inserts the rows of `requests` together; settles nobody. */
  async function insertRows(requests: readonly Request[]): Promise<void> {
    // A token names one request's rows; merged with others they are a different block.
    const token = requests.length === 1 ? requests[0].batch.deduplicationToken : undefined;
    const executions: ExecutionRow[] = [];
    let steps = 0;
    for (const { batch } of requests) {
      steps += batch.steps.length + (batch.encodedSteps?.rows ?? 0);
      for (const row of batch.executions) executions.push(row);
    }
    // The two tables are written concurrently: each insert has a large fixed
    // cost (a new part, materialized views), so overlapping them shortens
    // every batch. A request is acknowledged only when both are done; for a
    // moment an execution may be listed before its steps are readable.
    await Promise.all([
      steps > 0 ? insertSteps(requests, token) : undefined,
      executions.length > 0 ? insertTable('executions', executions, token) : undefined,
    ]);
  }

  /**
   * Inserts and settles `requests`. On a data error the requests are split
   * in halves and each retried, so only the request with the bad rows fails,
   * with UnstorableRowsError; any other error fails them all (retryable).
   */
  async function insertIsolating(requests: readonly Request[]): Promise<boolean> {
    try {
      await insertRows(requests);
    } catch (error) {
      if (!isDataError(error)) {
        for (const request of requests) request.reject(error);
        return false;
      }
      if (requests.length === 1) {
        requests[0].reject(new UnstorableRowsError(error as ClickHouseError | RowEncodingError));
        return false;
      }
      const middle = requests.length >> 1;
      const first = await insertIsolating(requests.slice(0, middle));
      const second = await insertIsolating(requests.slice(middle));
      return first && second;
    }
    for (const request of requests) {
      request.stored = true;
      request.resolve();
    }
    return true;
  }

  async function insert(batch: Pending): Promise<void> {
    const started = performance.now();
    const insertRun = { since: Date.now() };
    running.add(insertRun);
    let ok = false;
    try {
      ok = options.insertPerRequest
        ? (await Promise.all(batch.requests.map((request) => insertIsolating([request])))).every(Boolean)
        : await insertIsolating(batch.requests);
    } finally {
      running.delete(insertRun);
      lastInsertEnd = Date.now();
      const info: FlushInfo = { rows: batch.rows, requests: batch.requests.length, millis: performance.now() - started, ok, ...touchedBy(batch.requests) };
      // Batch-mates of a request whose data was refused are stored all the same.
      const stored = batch.requests.filter((request) => request.stored);
      const executions = stored.flatMap((request) => request.batch.executions);
      if (executions.length > 0) info.executions = executions;
      const steps = stored.flatMap((request) => request.batch.steps);
      if (steps.length > 0) info.steps = steps;
      const stepTotals = stored.flatMap((request) => request.batch.encodedSteps?.stepTotals ?? []);
      if (stepTotals.length > 0) info.stepTotals = stepTotals;
      for (const listener of flushListeners) {
        try {
          listener(info);
        } catch {
          // A metrics listener must never turn a stored batch into a failure.
        }
      }
    }
  }

  /**
   * One group-commit lane: one batch in flight at a time, rows arriving
   * meanwhile form the next batch.
   */
  function createLane() {
    let pending = emptyPending();
    let inFlightRows = 0;
    let inFlight: Promise<void> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let timerDue = 0;
    // When this lane's latest insert started (performance.now()).
    let lastFlushStart = Number.NEGATIVE_INFINITY;
    const idleWaiters: (() => void)[] = [];

    function startFlush(): void {
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      if (inFlight || pending.rows === 0) return;
      const batch = pending;
      pending = emptyPending();
      inFlightRows = batch.rows;
      lastFlushStart = performance.now();
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

    /**
     * When the waiting rows are written: once the oldest has waited
     * maxWaitMillis for companions; with announced writes and none on its
     * way, as soon as this lane's inserts stay maxWaitMillis apart (sparse
     * traffic makes no more inserts, so no more parts, than the wait did).
     */
    function scheduleFlush(): void {
      if (inFlight) return;
      const due = (nothingComing() ? lastFlushStart : pending.since) + options.maxWaitMillis;
      const delay = due - performance.now();
      if (delay <= 0) {
        startFlush();
        return;
      }
      if (timer && timerDue <= due) return;
      if (timer) clearTimeout(timer);
      timerDue = due;
      timer = setTimeout(startFlush, delay);
    }

    return {
      get rows() {
        return pending.rows + inFlightRows;
      },
      add(batch: RowBatch, rows: number): Promise<void> {
        const done = new Promise<void>((resolve, reject) => pending.requests.push({ batch, resolve, reject }));
        if (pending.rows === 0) pending.since = performance.now();
        pending.rows += rows;
        if (pending.rows >= options.maxBatchRows) startFlush();
        else scheduleFlush();
        return done;
      },
      /** Called when the last announced write is no longer on its way: what waits for companions need not. */
      onNothingComing(): void {
        if (pending.rows > 0) scheduleFlush();
      },
      drain(): Promise<void> {
        if (pending.rows === 0 && !inFlight) return Promise.resolve();
        const idle = new Promise<void>((resolve) => idleWaiters.push(resolve));
        startFlush();
        return idle;
      },
    };
  }

  // Announced writes on their way (options.announcedWrites).
  let expected = 0;
  /** Each announced write's hand-over, and each handed-over write's end (stored or refused), while pending (`settled`). */
  const announced = new Set<Promise<void>>();
  const writing = new Set<Promise<void>>();
  function nothingComing(): boolean {
    return options.announcedWrites === true && expected === 0;
  }

  const bulk = createLane();
  // Small requests (a few steps: latency-sensitive, cheap to insert) do not
  // wait behind a large batch in flight: they have a lane of their own.
  const express = createLane();
  const expressMaxRows = options.expressMaxRows ?? DEFAULT_EXPRESS_MAX_ROWS;

  return {
    get pendingRows() {
      return bulk.rows + express.rows;
    },
    get lastInsertEnd() {
      return lastInsertEnd;
    },
    get writesOnTheirWay() {
      return expected;
    },
    get oldestInsertStart() {
      let oldest: number | undefined;
      for (const { since } of running) if (oldest === undefined || since < oldest) oldest = since;
      return oldest;
    },
    onFlush(listener) {
      flushListeners.add(listener);
      return () => flushListeners.delete(listener);
    },
    onWrite(listener) {
      writeListeners.add(listener);
      return () => writeListeners.delete(listener);
    },
    write(batch: RowBatch): Promise<void> {
      const rows = rowsOf(batch);
      if (rows === 0) return Promise.resolve();
      const waiting = bulk.rows + express.rows;
      if (waiting > 0 && waiting + rows > options.maxPendingRows) return Promise.reject(new OverloadedError(waiting));
      for (const listener of writeListeners) {
        try {
          listener(batch);
        } catch {
          // Documented as never thrown; a listener's failure is not the write's.
        }
      }
      const done = (rows <= expressMaxRows ? express : bulk).add(batch, rows);
      const ended: Promise<void> = done.then(
        () => void writing.delete(ended),
        () => void writing.delete(ended),
      );
      writing.add(ended);
      return done;
    },
    async settled() {
      await Promise.all([...announced]);
      await Promise.all([...writing]);
    },
    async drain(): Promise<void> {
      await Promise.all([bulk.drain(), express.drain()]);
    },
    expectWrite() {
      expected += 1;
      let released = false;
      let handOver!: () => void;
      const handed = new Promise<void>((resolve) => (handOver = resolve));
      announced.add(handed);
      return () => {
        if (released) return;
        released = true;
        expected -= 1;
        announced.delete(handed);
        handOver();
        // The last write on its way gave up or was written: what waits for it need not.
        if (nothingComing()) {
          bulk.onNothingComing();
          express.onNothingComing();
        }
      };
    },
  };
}
