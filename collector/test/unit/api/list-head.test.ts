/**
 * The list head's bookkeeping (api/list-head.ts) over a source that answers
 * from an array, as ClickHouse would: what it covers after a build and a
 * trim, a write marked while its refresh reads stays pending, too many
 * pending writes or a failed read drop the head, the least recently listed
 * app is dropped first, rows past the horizon are never served, and ids
 * sort by code point. The collector's real reads are tested in
 * test/integration/list-head.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compareCodePoints, createListHead, type ListHeadSource } from '../../../src/api/list-head.js';
import type { ExecutionSummaryRecord } from '../../../src/store/index.js';

const MS = 1_000_000n;

function record(id: string, startMillis: number, status = 'completed'): ExecutionSummaryRecord {
  const start = (BigInt(startMillis) * MS).toString();
  return {
    execution_id: id, trace_id: 't', pipeline: 'p', environment: 'e', service_name: 's', status,
    start_ns: start, end_ns: start, duration_ms: 0, step_count: 1, error_count: 0, dropped_steps: 0, error_message: '',
  };
}

/** A source over `rows` (newest version last), newest first as the list reads; `gate` holds a read until released. */
function arraySource(rows: ExecutionSummaryRecord[]) {
  const calls = { newest: 0, of: 0 };
  let gate: Promise<void> | undefined;
  let failNext = false;
  const newestFirst = (list: ExecutionSummaryRecord[]) =>
    [...new Map(list.map((row) => [`${row.start_ns}/${row.execution_id}`, row])).values()].sort((a, b) =>
      BigInt(a.start_ns) === BigInt(b.start_ns) ? compareCodePoints(b.execution_id, a.execution_id) : BigInt(b.start_ns) > BigInt(a.start_ns) ? 1 : -1,
    );
  const source: ListHeadSource = {
    async newestSummaries(_app, fromMillis, limit) {
      calls.newest++;
      await gate;
      if (failNext) throw new Error('engine down');
      return newestFirst(rows.filter((row) => BigInt(row.start_ns) >= BigInt(fromMillis) * MS)).slice(0, limit);
    },
    async summariesOf(_app, ids, afterNanos) {
      calls.of++;
      const snapshot = [...rows];
      await gate;
      if (failNext) throw new Error('engine down');
      return newestFirst(snapshot.filter((row) => ids.includes(row.execution_id) && BigInt(row.start_ns) > afterNanos));
    },
  };
  return {
    source,
    calls,
    hold() {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
    failNextRead() {
      failNext = true;
    },
  };
}

const ids = (page: ExecutionSummaryRecord[] | undefined) => page?.map((row) => row.execution_id);
const everything = { fromMillis: 0, toMillis: 10_000 };

describe('list head', () => {
  it('orders ids by code point, as ClickHouse orders UTF-8 bytes', () => {
    const sorted = ['\uFFFD', 'z', '\u{1F600}', 'é', '\uE000', 'a'].sort(compareCodePoints);
    expect(sorted).toEqual(['a', 'z', 'é', '\uE000', '\uFFFD', '\u{1F600}']);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  it('covers the newest rows only: a page filled above its floor is answered, one reaching below is not', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => record(`e${i}`, 1000 + i * 10, i % 2 ? 'failed' : 'completed'));
    const { source } = arraySource(rows);
    const head = createListHead({ source, maxRows: 6, maxApps: 2, horizonMillis: () => 0 });
    // The build read the newest 6 (e9..e4) and keeps those above the oldest one's start time.
    expect(ids(await head.list('a', everything, 3))).toEqual(['e9', 'e8', 'e7']);
    expect(ids(await head.list('a', { ...everything, status: 'failed' }, 2))).toEqual(['e9', 'e7']);
    expect(await head.list('a', { ...everything, status: 'failed' }, 4)).toBeUndefined();
    // A window wholly above the floor is exact even when short.
    expect(ids(await head.list('a', { fromMillis: 1075, toMillis: 1085 }, 5))).toEqual(['e8']);
    // After a cursor.
    expect(ids(await head.list('a', everything, 2, { startNanos: (1080n * MS).toString(), id: 'e8' }))).toEqual(['e7', 'e6']);
    expect(head.stats).toMatchObject({ hits: 4, misses: 1, builds: 1 });
  });

  it('re-reads written executions before answering; one written again while that read runs stays pending', async () => {
    const rows = [record('old', 1000)];
    const fake = arraySource(rows);
    const head = createListHead({ source: fake.source, maxRows: 100, maxApps: 2, horizonMillis: () => 0 });
    expect(ids(await head.list('a', everything, 5))).toEqual(['old']);
    rows.push(record('new', 2000));
    head.touched('a', 'new', true);
    const release = fake.hold();
    const reading = head.list('a', everything, 5);
    while (fake.calls.of === 0) await Promise.resolve();
    // A late step of it while the refresh reads: the refresh's snapshot has the first version only.
    rows.push({ ...record('new', 2000), step_count: 2 });
    head.touched('a', 'new', false);
    release();
    const page = await reading;
    expect(page?.map((row) => [row.execution_id, row.step_count])).toEqual([['new', 2], ['old', 1]]);
    expect(fake.calls.of).toBe(2);
  });

  it('re-reads an execution written only steps when it holds it, and not one it does not hold', async () => {
    const rows = [record('held', 1000)];
    const fake = arraySource(rows);
    const head = createListHead({ source: fake.source, maxRows: 8, maxApps: 2, horizonMillis: () => 0 });
    expect(ids(await head.list('a', everything, 5))).toEqual(['held']);
    // Steps of a running execution (no stored root) or of one older than the head covers: no page changes.
    head.touched('a', 'running', false);
    expect(ids(await head.list('a', everything, 5))).toEqual(['held']);
    expect(fake.calls.of).toBe(0);
    // A late step of one it holds changes its counts.
    rows.push({ ...record('held', 1000), step_count: 3 });
    head.touched('a', 'held', false);
    expect((await head.list('a', everything, 5))?.map((row) => row.step_count)).toEqual([3]);
    expect(fake.calls.of).toBe(1);
    // Its root arrives: a new row.
    rows.push(record('running', 2000));
    head.touched('a', 'running', true);
    expect(ids(await head.list('a', everything, 5))).toEqual(['running', 'held']);
  });

  it('drops the head after too many pending writes (then ClickHouse answers for a while), a failed read or a deletion', async () => {
    const rows = [record('x', 1000)];
    const fake = arraySource(rows);
    let clock = 0;
    const head = createListHead({ source: fake.source, maxRows: 8, maxApps: 2, horizonMillis: () => 0, maxPending: 2, busyMillis: 1000, now: () => clock });
    expect(ids(await head.list('a', everything, 5))).toEqual(['x']);
    for (const id of ['p', 'q', 'r']) head.touched('a', id, true);
    // Written faster than listed: no head, and no build, until the busy time has passed.
    expect(await head.list('a', everything, 5)).toBeUndefined();
    clock = 999;
    expect(await head.list('a', everything, 5)).toBeUndefined();
    expect(fake.calls.newest).toBe(1);
    clock = 1000;
    expect(ids(await head.list('a', everything, 5))).toEqual(['x']);
    expect(fake.calls.newest).toBe(2);
    head.forgetApp('a');
    await head.list('a', everything, 5);
    expect(fake.calls.newest).toBe(3);
    head.touched('a', 'x', false);
    fake.failNextRead();
    expect(await head.list('a', everything, 5)).toBeUndefined();
    expect(head.rows).toBe(0);
  });

  it('keeps heads of the most recently listed apps only, and never serves rows past the horizon', async () => {
    const fake = arraySource([record('x', 1000), record('y', 5000)]);
    let horizon = 0;
    const head = createListHead({ source: fake.source, maxRows: 8, maxApps: 2, horizonMillis: () => horizon });
    await head.list('a', everything, 5);
    await head.list('b', everything, 5);
    await head.list('a', everything, 5);
    await head.list('c', everything, 5);
    expect(fake.calls.newest).toBe(3);
    await head.list('a', everything, 5);
    expect(fake.calls.newest).toBe(3);
    await head.list('b', everything, 5);
    expect(fake.calls.newest).toBe(4);
    horizon = 2000;
    expect(ids(await head.list('a', { fromMillis: 3000, toMillis: 10_000 }, 5))).toEqual(['y']);
    expect(await head.list('a', everything, 5)).toBeUndefined();
  });
});
