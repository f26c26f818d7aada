import { describe, expect, it } from 'vitest';
import type { ExecutionRow } from '../../../src/contracts/rows.js';
import { after, createLiveHub, filterKey } from '../../../src/live/live-hub.js';
import type { Subscriber } from '../../../src/live/live-hub.js';
import type { LiveFilter, LiveRepository, StoredExecution } from '../../../src/live/live-repository.js';

function row(appId: string, executionId: string, overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    app_id: appId,
    execution_id: executionId,
    trace_id: 't',
    root_span_id: 'r',
    pipeline: 'loan',
    environment: 'prod',
    service_name: 's',
    status: 'completed',
    start_time: '2024-05-01 12:00:00.000000000',
    end_time: '2024-05-01 12:00:01.000000000',
    duration_ms: 1000,
    step_count: 0,
    error_count: 0,
    dropped_steps: 0,
    error_message: '',
    metadata: '',
    final_outcome: '',
    attributes: {},
    ...overrides,
  };
}

const stored = (executionId: string, insertedMillis: number) => ({ execution_id: executionId, inserted_ms: insertedMillis }) as StoredExecution;

/** A repository that answers from the rows it is told were stored, applying the status filter the way SQL would. */
function fakeRepository(calls: { appId: string; filter: LiveFilter; ids: readonly string[] }[], fail = false): LiveRepository {
  return {
    async stored(appId, filter, ids) {
      calls.push({ appId, filter, ids });
      if (fail) throw new Error('ClickHouse is down');
      return ids.map((id, index) => stored(id, 1000 + index));
    },
    async after() {
      return [];
    },
  };
}

function subscriber(appId: string, filter: LiveFilter = {}) {
  const received: string[] = [];
  const failures: unknown[] = [];
  const value: Subscriber = {
    appId,
    filter,
    deliver: (rows) => received.push(...rows.map((r) => r.execution_id)),
    fail: (error) => failures.push(error),
  };
  return { value, received, failures };
}

const flush = (executions: ExecutionRow[], ok = true) => ({ rows: executions.length, requests: 1, millis: 5, ok, executions: ok ? executions : undefined });

describe('live-hub', () => {
  describe('createLiveHub', () => {
    it("delivers a stored batch to the subscribers of each row's app only", async () => {
      const calls: { appId: string; filter: LiveFilter; ids: readonly string[] }[] = [];
      const hub = createLiveHub({ repository: fakeRepository(calls), maxStreamsPerApp: 5 });
      const a = subscriber('a');
      const b = subscriber('b');
      hub.subscribe(a.value);
      hub.subscribe(b.value);
      hub.onFlush(flush([row('a', 'a1'), row('c', 'c1'), row('a', 'a2')]));
      await hub.idle();
      expect(a.received).toEqual(['a1', 'a2']);
      expect(b.received).toEqual([]);
      expect(calls.map((call) => call.appId)).toEqual(['a']);
    });

    it('asks once per distinct filter and skips the query when the batch cannot match', async () => {
      const calls: { appId: string; filter: LiveFilter; ids: readonly string[] }[] = [];
      const hub = createLiveHub({ repository: fakeRepository(calls), maxStreamsPerApp: 5 });
      const first = subscriber('a', { status: 'failed' });
      const second = subscriber('a', { status: 'failed' });
      const prodOnly = subscriber('a', { environment: 'staging' });
      for (const s of [first, second, prodOnly]) hub.subscribe(s.value);
      hub.onFlush(flush([row('a', 'ok1'), row('a', 'bad1', { status: 'failed' })]));
      await hub.idle();
      expect(calls).toEqual([{ appId: 'a', filter: { status: 'failed' }, ids: ['bad1'] }]);
      expect(first.received).toEqual(['bad1']);
      expect(second.received).toEqual(['bad1']);
      expect(prodOnly.received).toEqual([]);
    });

    it('ignores failed inserts and does nothing without subscribers', async () => {
      const calls: { appId: string; filter: LiveFilter; ids: readonly string[] }[] = [];
      const hub = createLiveHub({ repository: fakeRepository(calls), maxStreamsPerApp: 5 });
      hub.onFlush(flush([row('a', 'a1')]));
      const a = subscriber('a');
      hub.subscribe(a.value);
      hub.onFlush(flush([row('a', 'a2')], false));
      await hub.idle();
      expect(calls).toEqual([]);
    });

    it('caps subscribers per app and frees the place on unsubscribe', () => {
      const hub = createLiveHub({ repository: fakeRepository([]), maxStreamsPerApp: 2 });
      const [one, two, three] = [subscriber('a'), subscriber('a'), subscriber('a')];
      expect(hub.subscribe(one.value)).toBe(true);
      expect(hub.subscribe(two.value)).toBe(true);
      expect(hub.subscribe(three.value)).toBe(false);
      expect(hub.subscribe(subscriber('b').value)).toBe(true);
      expect(hub.count('a')).toBe(2);
      hub.unsubscribe(one.value);
      expect(hub.subscribe(three.value)).toBe(true);
    });

    it('fails only the streams whose read failed', async () => {
      const hub = createLiveHub({ repository: fakeRepository([], true), maxStreamsPerApp: 5 });
      const a = subscriber('a');
      const b = subscriber('b');
      hub.subscribe(a.value);
      hub.subscribe(b.value);
      hub.onFlush(flush([row('a', 'a1')]));
      await hub.idle();
      expect(a.failures).toHaveLength(1);
      expect(b.failures).toEqual([]);
    });
  });

  describe('filterKey', () => {
    it('groups subscribers only when every filter agrees, business keys in any order', () => {
      expect(filterKey({ businessKeys: ['a=1', 'b=2'] })).toBe(filterKey({ businessKeys: ['b=2', 'a=1'] }));
      expect(filterKey({ businessKeys: ['a=1'] })).not.toBe(filterKey({ businessKeys: ['a=2'] }));
      expect(filterKey({ businessKeys: ['a=1'] })).not.toBe(filterKey({}));
      expect(filterKey({ status: 'failed' })).not.toBe(filterKey({ environment: 'failed' }));
    });
  });

  describe('after', () => {
    it('keeps only what comes after a position', () => {
      const rows = [stored('a', 1), stored('b', 2), stored('c', 2), stored('a', 3)];
      expect(after(rows, { insertedMillis: 2, executionId: 'b' }).map((r) => `${r.execution_id}@${r.inserted_ms}`)).toEqual(['c@2', 'a@3']);
      expect(after(rows, undefined)).toHaveLength(4);
    });
  });
});
