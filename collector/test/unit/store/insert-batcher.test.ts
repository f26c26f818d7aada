import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExecutionRow, RowBatch, StepRow, StepTotals } from '../../../src/contracts/rows.js';
import type { ClickHouseBackend } from '../../../src/store/backend.js';
import { ClickHouseError } from '../../../src/store/backend.js';
import { createInsertBatcher, MAX_PARTITIONS_PER_INSERT, OverloadedError, splitByPartitions } from '../../../src/store/insert-batcher.js';
import { isDataError, UnstorableRowsError } from '../../../src/store/insert-errors.js';
import type { FlushInfo, InsertBatcherOptions } from '../../../src/store/insert-batcher.js';

/** One insert the fake backend received, settled by the test. */
interface InsertCall {
  table: string;
  rows: readonly object[];
  succeed(): void;
  fail(error: unknown): void;
}

/**
 * A backend that only records inserts and lets the test decide when (and
 * whether) each one finishes. This is a test of the batching logic, not of
 * ClickHouse; the integration tests cover the real engines.
 */
function fakeBackend() {
  const calls: InsertCall[] = [];
  const backend: ClickHouseBackend = {
    kind: 'embedded',
    query: async () => [],
    command: async () => {},
    insert(table, rows) {
      return new Promise<void>((resolve, reject) => {
        calls.push({ table, rows: [...rows], succeed: resolve, fail: reject });
      });
    },
    ping: async () => true,
    close: async () => {},
  };
  return { backend, calls };
}

function steps(...ids: string[]): StepRow[] {
  return ids.map((id) => ({ span_id: id }) as StepRow);
}

function executions(...ids: string[]): ExecutionRow[] {
  return ids.map((id) => ({ execution_id: id }) as ExecutionRow);
}

function batch(stepIds: string[], executionIds: string[] = []): RowBatch {
  return { steps: steps(...stepIds), executions: executions(...executionIds) };
}

/** Lets promise callbacks run without advancing fake time. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Tracks whether a promise has settled and how, without unhandled rejections. */
function track(promise: Promise<void>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { status: 'pending' };
  promise.then(
    () => {
      state.status = 'resolved';
    },
    (error: unknown) => {
      state.status = 'rejected';
      state.error = error;
    },
  );
  return state;
}

const OPTIONS: InsertBatcherOptions = { maxBatchRows: 100, maxWaitMillis: 20, maxPendingRows: 1000 };
/** Announced writes, with a wait long enough that only an announcement (or its end) explains an insert. */
const ANNOUNCED: InsertBatcherOptions = { ...OPTIONS, maxWaitMillis: 10_000, announcedWrites: true };

describe('store/insert-batcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('createInsertBatcher', () => {
    describe('write', () => {
      it('lets the next batch grow after an insert until its oldest row has waited maxWaitMillis', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        void batcher.write(batch(['a']));
        await vi.advanceTimersByTimeAsync(20);
        expect(calls).toHaveLength(1);
        void batcher.write(batch(['b'])); // arrives while the first insert runs
        await vi.advanceTimersByTimeAsync(15);
        calls[0].succeed();
        await settle();
        void batcher.write(batch(['c'])); // arrives after: joins b's batch
        expect(calls).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(5);
        expect(calls).toHaveLength(2);
        expect(calls[1].rows).toEqual(steps('b', 'c'));
      });

      it('coalesces concurrent writes into one insert per table', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        void batcher.write(batch(['s1'], ['e1']));
        void batcher.write(batch(['s2', 's3']));
        void batcher.write(batch([], ['e2']));
        await vi.advanceTimersByTimeAsync(20);

        expect(calls).toHaveLength(2);
        expect(calls[0].table).toBe('steps');
        expect(calls[0].rows).toEqual(steps('s1', 's2', 's3'));
        expect(calls[1].table).toBe('executions');
        expect(calls[1].rows).toEqual(executions('e1', 'e2'));
      });

      it('writes steps and executions concurrently, and acknowledges only when both are stored', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const done = track(batcher.write(batch(['s1'], ['e1'])));
        await vi.advanceTimersByTimeAsync(20);
        expect(calls.map((call) => call.table)).toEqual(['steps', 'executions']);
        calls[1].succeed();
        await settle();
        expect(done.status).toBe('pending');
        calls[0].succeed();
        await settle();
        expect(done.status).toBe('resolved');
      });

      it('skips the insert of a table with no rows', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const done = track(batcher.write(batch([], ['e1'])));
        await vi.advanceTimersByTimeAsync(20);
        expect(calls.map((call) => call.table)).toEqual(['executions']);
        calls[0].succeed();
        await settle();
        expect(done.status).toBe('resolved');
      });

      it('resolves each caller only after the insert holding its rows has finished', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const first = track(batcher.write(batch(['s1'], ['e1'])));
        const second = track(batcher.write(batch(['s2'])));
        await vi.advanceTimersByTimeAsync(20);
        expect([first.status, second.status]).toEqual(['pending', 'pending']);

        calls[0].succeed(); // steps stored, executions not yet
        await settle();
        expect([first.status, second.status]).toEqual(['pending', 'pending']);

        calls[1].succeed();
        await settle();
        expect([first.status, second.status]).toEqual(['resolved', 'resolved']);
      });

      it('resolves at once, without an insert, for a batch with no rows', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const done = track(batcher.write({ steps: [], executions: [] }));
        await settle();
        expect(done.status).toBe('resolved');
        await vi.advanceTimersByTimeAsync(1000);
        expect(calls).toHaveLength(0);
      });

      it('rejects exactly the callers of a failed insert with its error; the next batch still succeeds', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const a = track(batcher.write(batch(['a'])));
        const b = track(batcher.write(batch(['b'])));
        await vi.advanceTimersByTimeAsync(20);
        const c = track(batcher.write(batch(['c']))); // arrives while the first insert runs

        const failure = new Error('ClickHouse is down');
        calls[0].fail(failure);
        await settle();
        expect(a).toEqual({ status: 'rejected', error: failure });
        expect(b).toEqual({ status: 'rejected', error: failure });
        expect(c.status).toBe('pending');

        // c's batch lingers until its oldest row has waited maxWaitMillis.
        expect(calls).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(20);
        expect(calls).toHaveLength(2);
        expect(calls[1].rows).toEqual(steps('c'));
        calls[1].succeed();
        await settle();
        expect(c.status).toBe('resolved');
        expect(batcher.pendingRows).toBe(0);
      });

      it('fails the whole batch when the executions insert fails after the steps insert', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const done = track(batcher.write(batch(['s1'], ['e1'])));
        await vi.advanceTimersByTimeAsync(20);
        calls[0].succeed();
        await settle();
        calls[1].fail(new Error('too many parts'));
        await settle();
        expect(done.status).toBe('rejected');
      });

      it('waits up to maxWaitMillis for companions before inserting', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        void batcher.write(batch(['s1']));
        await vi.advanceTimersByTimeAsync(10);
        void batcher.write(batch(['s2']));
        await vi.advanceTimersByTimeAsync(9);
        expect(calls).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(1);
        expect(calls).toHaveLength(1);
        expect(calls[0].rows).toEqual(steps('s1', 's2'));
      });

      it('with announced writes, inserts at once when no other write is on its way', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, ANNOUNCED);
        const arrived = batcher.expectWrite();
        void batcher.write(batch(['s1']));
        arrived();
        await settle();
        expect(calls).toHaveLength(1);
        expect(calls[0].rows).toEqual(steps('s1'));
        expect(vi.getTimerCount()).toBe(0);
      });

      it('with announced writes, holds rows while another write is on its way and inserts them with it', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, ANNOUNCED);
        const first = batcher.expectWrite();
        const second = batcher.expectWrite();
        void batcher.write(batch(['s1']));
        first();
        await vi.advanceTimersByTimeAsync(5_000);
        expect(calls).toHaveLength(0);
        void batcher.write(batch(['s2']));
        second();
        second(); // a second call changes nothing
        await settle();
        expect(calls).toHaveLength(1);
        expect(calls[0].rows).toEqual(steps('s1', 's2'));
      });

      it('with announced writes, inserts what waits when the write it waited for gives up', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, ANNOUNCED);
        const mine = batcher.expectWrite();
        const failing = batcher.expectWrite();
        void batcher.write(batch(['s1']));
        mine();
        await settle();
        expect(calls).toHaveLength(0);
        failing(); // refused before writing: nothing else is coming
        await settle();
        expect(calls).toHaveLength(1);
        expect(calls[0].rows).toEqual(steps('s1'));
      });

      it('settles once every write announced before is handed over and every write handed over by then has ended, not later ones', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, ANNOUNCED);
        const announced = batcher.expectWrite();
        const stored = track(batcher.write(batch(['s1'])));
        const settled = track(batcher.settled());
        const later = batcher.expectWrite();
        await settle();
        expect(calls).toHaveLength(0);
        // The announced write is handed over: the barrier now waits for its insert, with s1's.
        const refused = track(batcher.write(batch(['s2'])));
        announced();
        // The rows wait for the later write on its way, at most maxWaitMillis.
        await vi.advanceTimersByTimeAsync(10_000);
        expect(calls).toHaveLength(1);
        expect(settled.status).toBe('pending');
        calls[0].fail(new Error('store down'));
        await settle();
        // A refused write ends the wait as a stored one does; the write announced after the call is not waited for.
        expect([stored.status, refused.status, settled.status]).toEqual(['rejected', 'rejected', 'resolved']);
        later();
        expect(track(batcher.settled()).status).toBe('pending');
        await settle();
      });

      it('with announced writes, still waits at most maxWaitMillis for a write that never arrives', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, announcedWrites: true });
        batcher.expectWrite(); // never released
        const mine = batcher.expectWrite();
        void batcher.write(batch(['s1']));
        mine();
        await vi.advanceTimersByTimeAsync(19);
        expect(calls).toHaveLength(0);
        await vi.advanceTimersByTimeAsync(1);
        expect(calls).toHaveLength(1);
      });

      it('with announced writes, writes the batch that formed behind a long insert as soon as it ends when nothing else is coming', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, announcedWrites: true });
        void batcher.write(batch(['a']));
        await settle();
        expect(calls).toHaveLength(1);
        void batcher.write(batch(['b'])); // arrives while the first insert runs
        await vi.advanceTimersByTimeAsync(30); // longer than maxWaitMillis
        calls[0].succeed();
        await settle();
        expect(calls).toHaveLength(2);
        expect(calls[1].rows).toEqual(steps('b'));
      });

      it('with announced writes and none on its way, still keeps a lane\'s inserts maxWaitMillis apart', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, announcedWrites: true });
        void batcher.write(batch(['a']));
        await settle();
        calls[0].succeed();
        await vi.advanceTimersByTimeAsync(5);
        void batcher.write(batch(['b']));
        await vi.advanceTimersByTimeAsync(14);
        expect(calls).toHaveLength(1);
        await vi.advanceTimersByTimeAsync(1); // 20 ms after the first insert started
        expect(calls).toHaveLength(2);
        expect(calls[1].rows).toEqual(steps('b'));
      });

      it('inserts at once when maxBatchRows rows are waiting', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, maxBatchRows: 3 });
        void batcher.write(batch(['s1', 's2']));
        await settle();
        expect(calls).toHaveLength(0);
        void batcher.write(batch(['s3']));
        await settle();
        expect(calls).toHaveLength(1);
        expect(calls[0].rows).toEqual(steps('s1', 's2', 's3'));
        expect(vi.getTimerCount()).toBe(0);
      });

      it('runs at most one insert at a time; rows arriving meanwhile form the next batch', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, maxBatchRows: 2 });
        void batcher.write(batch(['a1', 'a2'])); // full: flushes at once
        await settle();
        expect(calls).toHaveLength(1);

        void batcher.write(batch(['b1', 'b2'])); // full too, but an insert is running
        void batcher.write(batch(['b3']));
        await vi.advanceTimersByTimeAsync(1000);
        expect(calls).toHaveLength(1);

        calls[0].succeed();
        await settle();
        expect(calls).toHaveLength(2);
        expect(calls[1].rows).toEqual(steps('b1', 'b2', 'b3'));
      });

      it('refuses a write with OverloadedError when pending rows would exceed maxPendingRows', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, maxBatchRows: 2, maxPendingRows: 4 });
        void batcher.write(batch(['a1', 'a2'])); // in flight
        await settle();
        void batcher.write(batch(['b1', 'b2'])); // waiting
        expect(batcher.pendingRows).toBe(4);

        const refused = track(batcher.write(batch(['c1'])));
        await settle();
        expect(refused.status).toBe('rejected');
        expect(refused.error).toBeInstanceOf(OverloadedError);
        expect((refused.error as Error).message).toContain('4 rows waiting');
        expect(batcher.pendingRows).toBe(4);

        calls[0].succeed();
        await settle();
        expect(batcher.pendingRows).toBe(2);
        const accepted = track(batcher.write(batch(['c1', 'c2'])));
        await settle();
        expect(accepted.status).toBe('pending');
      });

      it('accepts a single oversized write when nothing is pending', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, maxPendingRows: 2 });
        const done = track(batcher.write(batch(['1', '2', '3'])));
        await vi.advanceTimersByTimeAsync(20);
        calls[0].succeed();
        await settle();
        expect(done.status).toBe('resolved');
      });
    });

    describe('pendingRows', () => {
      it('counts rows waiting and rows being inserted until their insert finishes', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        expect(batcher.pendingRows).toBe(0);
        void batcher.write(batch(['s1', 's2'], ['e1']));
        expect(batcher.pendingRows).toBe(3);
        await vi.advanceTimersByTimeAsync(20);
        void batcher.write(batch(['s3']));
        expect(batcher.pendingRows).toBe(4);
        calls[0].succeed();
        await settle();
        calls[1].succeed();
        await settle();
        expect(batcher.pendingRows).toBe(1);
      });
    });

    describe('drain', () => {
      it('resolves at once when nothing is pending', async () => {
        const { backend } = fakeBackend();
        const drained = track(createInsertBatcher(backend, OPTIONS).drain());
        await settle();
        expect(drained.status).toBe('resolved');
      });

      it('inserts waiting rows without waiting for the timer and resolves when they are stored', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, { ...OPTIONS, maxWaitMillis: 10_000 });
        const written = track(batcher.write(batch(['s1'])));
        const drained = track(batcher.drain());
        await settle();
        expect(calls).toHaveLength(1);
        expect(drained.status).toBe('pending');
        calls[0].succeed();
        await settle();
        expect(written.status).toBe('resolved');
        expect(drained.status).toBe('resolved');
        expect(batcher.pendingRows).toBe(0);
      });

      it('waits for the insert in flight and for the batch that formed behind it', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        void batcher.write(batch(['a']));
        await vi.advanceTimersByTimeAsync(20);
        void batcher.write(batch(['b']));
        const drained = track(batcher.drain());

        calls[0].succeed();
        await settle();
        expect(calls).toHaveLength(2);
        expect(drained.status).toBe('pending');
        calls[1].succeed();
        await settle();
        expect(drained.status).toBe('resolved');
      });

      it('resolves even when the last insert failed', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const written = track(batcher.write(batch(['a'])));
        const drained = track(batcher.drain());
        await settle();
        calls[0].fail(new Error('down'));
        await settle();
        expect(written.status).toBe('rejected');
        expect(drained.status).toBe('resolved');
      });
    });

    describe('onFlush', () => {
      it('reports rows, requests and outcome after every insert', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const flushes: FlushInfo[] = [];
        batcher.onFlush((info) => flushes.push(info));

        void batcher.write(batch(['s1', 's2'], ['e1']));
        void batcher.write(batch(['s3']));
        await vi.advanceTimersByTimeAsync(20);
        expect(flushes).toEqual([]);
        calls[0].succeed();
        await settle();
        calls[1].succeed();
        await settle();

        void batcher.write(batch(['s4'])).catch(() => {});
        await vi.advanceTimersByTimeAsync(20);
        calls[2].fail(new Error('down'));
        await settle();

        expect(flushes).toHaveLength(2);
        expect(flushes[0]).toMatchObject({ rows: 4, requests: 2, ok: true });
        expect(flushes[1]).toMatchObject({ rows: 1, requests: 1, ok: false });
        expect(flushes[0].millis).toBeGreaterThanOrEqual(0);
      });

      it('stops calling a listener once it is removed', async () => {
        const { backend, calls } = fakeBackend();
        const batcher = createInsertBatcher(backend, OPTIONS);
        const flushes: FlushInfo[] = [];
        const stop = batcher.onFlush((info) => flushes.push(info));
        stop();
        void batcher.write(batch(['s1']));
        await vi.advanceTimersByTimeAsync(20);
        calls[0].succeed();
        await settle();
        expect(flushes).toEqual([]);
      });
    });
  });

  describe('isolation of bad data', () => {
    /** A backend that refuses, like ClickHouse, any insert holding a row with span_id or execution_id 'bad'. */
    function pickyBackend(error: () => unknown) {
      const inserts: string[][] = [];
      const backend: ClickHouseBackend = {
        kind: 'embedded',
        query: async () => [],
        command: async () => {},
        async insert(_table, rows) {
          const ids = rows.map((row) => (row as StepRow).span_id ?? (row as ExecutionRow).execution_id);
          inserts.push(ids);
          if (ids.includes('bad')) throw error();
        },
        ping: async () => true,
        close: async () => {},
      };
      return { backend, inserts };
    }
    const parseError = () => new ClickHouseError('Code: 25. DB::Exception: Cannot parse escape sequence', 25);

    it('rejects only the request whose rows ClickHouse refuses, with UnstorableRowsError, and stores its batch-mates', async () => {
      const { backend, inserts } = pickyBackend(parseError);
      const batcher = createInsertBatcher(backend, OPTIONS);
      const outcomes = [batch(['a1']), batch(['b1', 'bad']), batch(['c1']), batch([], ['e1']), batch(['d1'])].map((rows) =>
        track(batcher.write(rows)),
      );
      await vi.advanceTimersByTimeAsync(20);
      await batcher.drain();
      await settle();
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['resolved', 'rejected', 'resolved', 'resolved', 'resolved']);
      expect(outcomes[1].error).toBeInstanceOf(UnstorableRowsError);
      expect((outcomes[1].error as Error).message).toContain('Cannot parse escape sequence');
      // Every good row was written in some insert that succeeded.
      const stored = inserts.filter((ids) => !ids.includes('bad')).flat();
      expect(new Set(stored)).toEqual(new Set(['a1', 'c1', 'e1', 'd1']));
      expect(inserts.filter((ids) => ids.includes('bad')).at(-1)).toEqual(['b1', 'bad']);
    });

    it('reports the rows it stored, and the executions whose rows it cannot all report (a refused request, steps encoded without totals)', async () => {
      const { backend } = pickyBackend(parseError);
      const batcher = createInsertBatcher(backend, OPTIONS);
      const flushes: FlushInfo[] = [];
      batcher.onFlush((info) => flushes.push(info));
      const row = <T,>(fields: Partial<T>) => ({ app_id: 'a', ...fields }) as T;
      const totals = { app_id: 'a', execution_id: 'e4', steps: 1 } as StepTotals;
      const requests: RowBatch[] = [
        { executions: [row<ExecutionRow>({ execution_id: 'e1' })], steps: [row<StepRow>({ execution_id: 'e1', span_id: 's1' })] },
        { executions: [row<ExecutionRow>({ execution_id: 'e2' })], steps: [row<StepRow>({ execution_id: 'e2', span_id: 'bad' })] },
        {
          executions: [row<ExecutionRow>({ execution_id: 'e3' })],
          steps: [],
          encodedSteps: { columns: [], payload: new Uint8Array(), rows: 0, days: [], executions: [['a', 'e3']] },
        },
        {
          executions: [row<ExecutionRow>({ execution_id: 'e4' })],
          steps: [],
          encodedSteps: { columns: [], payload: new Uint8Array(), rows: 0, days: [], executions: [['a', 'e4']], stepTotals: [totals] },
        },
      ];
      const outcomes = requests.map((request) => track(batcher.write(request)));
      await vi.advanceTimersByTimeAsync(20);
      await batcher.drain();
      await settle();
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['resolved', 'rejected', 'resolved', 'resolved']);
      expect(flushes).toHaveLength(1);
      const [info] = flushes;
      expect(info.executions?.map((execution) => execution.execution_id)).toEqual(['e1', 'e3', 'e4']);
      expect(info.steps?.map((step) => step.span_id)).toEqual(['s1']);
      expect(info.stepTotals).toEqual([totals]);
      expect(info.roots).toEqual([['a', 'e1'], ['a', 'e2'], ['a', 'e3'], ['a', 'e4']]);
      expect(info.opaque).toEqual([['a', 'e2'], ['a', 'e3']]);
    });

    it('fails the whole batch with the original, retryable error when ClickHouse fails for another reason', async () => {
      const down = new ClickHouseError('Code: 210. DB::NetException: Connection refused', 210);
      const { backend, inserts } = pickyBackend(() => down);
      const batcher = createInsertBatcher(backend, OPTIONS);
      const outcomes = [batch(['a1']), batch(['bad'])].map((rows) => track(batcher.write(rows)));
      await vi.advanceTimersByTimeAsync(20);
      await settle();
      expect(outcomes.map((outcome) => [outcome.status, outcome.error])).toEqual([
        ['rejected', down],
        ['rejected', down],
      ]);
      expect(inserts).toHaveLength(1); // no bisecting for an error retrying can cure
    });

    it('tells data errors from transport and overload errors by their ClickHouse code', () => {
      expect(isDataError(new ClickHouseError('Code: 41. Cannot read DateTime', 41))).toBe(true);
      expect(isDataError(new ClickHouseError('Code: 6. Cannot parse text', 6))).toBe(true);
      expect(isDataError(new ClickHouseError('Code: 252. Too many parts', 252))).toBe(false);
      expect(isDataError(new ClickHouseError('Code: 241. Memory limit exceeded', 241))).toBe(false);
      expect(isDataError(new ClickHouseError('socket hang up', undefined))).toBe(false);
      expect(isDataError(new Error('Code: 41.'))).toBe(false);
    });
  });

  describe('deduplication tokens', () => {
    /** A backend that records each insert's table, ids and token, and refuses rows with id 'bad' as ClickHouse refuses bad data. */
    function recordingBackend() {
      const inserts: { table: string; ids: string[]; token: string | undefined }[] = [];
      const backend: ClickHouseBackend = {
        kind: 'embedded',
        query: async () => [],
        command: async () => {},
        async insert(table, rows, options) {
          const ids = rows.map((row) => (row as StepRow).span_id ?? (row as ExecutionRow).execution_id);
          inserts.push({ table, ids, token: options?.deduplicationToken });
          if (ids.includes('bad')) throw new ClickHouseError('Code: 27. DB::Exception: Cannot parse input', 27);
        },
        ping: async () => true,
        close: async () => {},
      };
      return { backend, inserts };
    }
    const withToken = (token: string, rows: RowBatch): RowBatch => ({ ...rows, deduplicationToken: token });

    it('with insertPerRequest, writes each request of a batch as its own inserts under its own token', async () => {
      const { backend, inserts } = recordingBackend();
      const batcher = createInsertBatcher(backend, { ...OPTIONS, insertPerRequest: true });
      const writes = [withToken('t1', batch(['a1', 'a2'], ['ea'])), withToken('t2', batch(['b1']))].map((rows) => batcher.write(rows));
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(writes);
      expect(inserts).toHaveLength(3);
      expect(inserts).toEqual(
        expect.arrayContaining([
          { table: 'steps', ids: ['a1', 'a2'], token: 't1' },
          { table: 'executions', ids: ['ea'], token: 't1' },
          { table: 'steps', ids: ['b1'], token: 't2' },
        ]),
      );
    });

    it('with insertPerRequest, fails only the request whose insert ClickHouse refuses, without retrying anyone', async () => {
      const { backend, inserts } = recordingBackend();
      const batcher = createInsertBatcher(backend, { ...OPTIONS, insertPerRequest: true });
      const outcomes = [withToken('t1', batch(['a1'])), withToken('t2', batch(['bad'])), withToken('t3', batch(['c1']))].map((rows) =>
        track(batcher.write(rows)),
      );
      await vi.advanceTimersByTimeAsync(20);
      await batcher.drain();
      await settle();
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['resolved', 'rejected', 'resolved']);
      expect(outcomes[1].error).toBeInstanceOf(UnstorableRowsError);
      expect(inserts).toHaveLength(3);
    });

    it('merged mode passes a token only for a batch of one request: merged rows are a different block', async () => {
      const { backend, inserts } = recordingBackend();
      const batcher = createInsertBatcher(backend, OPTIONS);
      await Promise.all([batcher.write(withToken('t1', batch(['a1']))), vi.advanceTimersByTimeAsync(20)]);
      const merged = [withToken('t2', batch(['b1'])), withToken('t3', batch(['c1']))].map((rows) => batcher.write(rows));
      await vi.advanceTimersByTimeAsync(20);
      await Promise.all(merged);
      expect(inserts).toEqual([
        { table: 'steps', ids: ['a1'], token: 't1' },
        { table: 'steps', ids: ['b1', 'c1'], token: undefined },
      ]);
    });

    it('gives each partition chunk of one request a token of its own', async () => {
      const { backend, inserts } = recordingBackend();
      const batcher = createInsertBatcher(backend, { ...OPTIONS, maxBatchRows: 1000, insertPerRequest: true });
      const day = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10) + ' 00:00:00.000000000';
      const rows = Array.from({ length: MAX_PARTITIONS_PER_INSERT + 1 }, (_, i) => ({ span_id: `s${i}`, start_time: day(i) }) as StepRow);
      await Promise.all([batcher.write({ steps: rows, executions: [], deduplicationToken: 'tok' }), vi.advanceTimersByTimeAsync(20)]);
      expect(inserts.map((insert) => insert.token)).toEqual(['tok:0', 'tok:1']);
    });
  });

  describe('splitByPartitions', () => {
    const onDay = (day: number) => ({ start_time: new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString().slice(0, 10) + ' 12:00:00.000000000' });

    it('keeps rows of up to MAX_PARTITIONS_PER_INSERT days in one insert', () => {
      const rows = Array.from({ length: MAX_PARTITIONS_PER_INSERT * 2 }, (_, i) => onDay(i % MAX_PARTITIONS_PER_INSERT));
      expect(splitByPartitions(rows)).toEqual([rows]);
    });

    it('splits rows spread over more days into inserts of at most MAX_PARTITIONS_PER_INSERT days, losing none', () => {
      const rows = Array.from({ length: 250 }, (_, i) => onDay((i * 7) % 250));
      const chunks = splitByPartitions(rows);
      expect(chunks).toHaveLength(3);
      for (const chunk of chunks) expect(new Set(chunk.map((row) => row.start_time.slice(0, 10))).size).toBeLessThanOrEqual(MAX_PARTITIONS_PER_INSERT);
      expect(chunks.flat()).toHaveLength(rows.length);
      expect(new Set(chunks.flat())).toEqual(new Set(rows));
    });
  });
});
