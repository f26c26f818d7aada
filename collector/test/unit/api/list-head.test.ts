/**
 * The list head's bookkeeping (api/list-head.ts) over a source that answers
 * from an array, as ClickHouse would: what it covers after a build and a
 * trim, a write marked while its refresh reads stays pending, too many
 * pending writes or a failed read drop the head, the least recently listed
 * app is dropped first, rows past the horizon are never served, and ids
 * sort by code point; an execution whose every row one insert stored is
 * added from those rows without a read, counted as the list's statements
 * count, and every one it cannot prove new is read back instead. The collector's real reads are tested in
 * test/integration/list-head.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createListHead, summaryOfRows, type ListHeadSource, type ListHeadWrite } from '../../../src/api/list-head.js';
import { compareCodePoints } from '../../../src/store/string-order.js';
import type { ExecutionRow, StepRow } from '../../../src/contracts/rows.js';
import { nanosToDateTime64 } from '../../../src/model/time.js';
import type { ExecutionSummaryRecord } from '../../../src/store/index.js';
import { stepTotalsOf } from '../../../src/store/step-totals.js';

const MS = 1_000_000n;

function record(id: string, startMillis: number, status = 'completed'): ExecutionSummaryRecord {
  const start = (BigInt(startMillis) * MS).toString();
  return {
    execution_id: id, trace_id: 't', pipeline: 'p', environment: 'e', service_name: 's', status,
    start_ns: start, end_ns: start, duration_ms: 0, step_count: 1, error_count: 0, dropped_steps: 0, error_message: '',
  };
}

/** A source over `rows` (newest version last), newest first as the list reads; `gate` holds a read until released. `steps`: stored steps' execution and start. */
function arraySource(rows: ExecutionSummaryRecord[], steps: { execution_id: string; startMillis: number }[] = []) {
  const calls = { newest: 0, of: 0, withSteps: 0 };
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
    async executionsWithStepsSince(_app, fromNanos, limit) {
      calls.withSteps++;
      return [...new Set(steps.filter((step) => BigInt(step.startMillis) * MS >= fromNanos).map((step) => step.execution_id))].slice(0, limit);
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

const time = (millis: number) => nanosToDateTime64(BigInt(millis) * MS);

/** An execution row of app `a` as the span mapping makes it (the fields the list reads). */
function rootRow(id: string, startMillis: number, extra: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    app_id: 'a', execution_id: id, trace_id: 't', root_span_id: 'r', pipeline: 'p', environment: 'e', service_name: 's', status: 'completed',
    start_time: time(startMillis), end_time: time(startMillis + 5), duration_ms: 5, step_count: 9, error_count: 0, dropped_steps: 0,
    error_message: '', metadata: '{}', final_outcome: '', attributes: {}, ...extra,
  };
}

function stepRow(executionId: string, spanId: string, startMillis: number, extra: Partial<StepRow> = {}): StepRow {
  return {
    app_id: 'a', execution_id: executionId, trace_id: 't', span_id: spanId, parent_span_id: 'r', sequence: 0, name: 'n', pipeline: 'p', environment: 'e',
    status: 'completed', start_time: time(startMillis), end_time: time(startMillis + 1), duration_ms: 1, input: '', output: '', reasoning: '',
    error_type: '', error_message: '', error_stack: '', model: '', provider: '', input_tokens: 0, output_tokens: 0, cost_usd: 0, cost_source: '',
    attributes: {}, ...extra,
  };
}

/** The start (ns) of the first root a write holds. */
const dateNs = (write: ListHeadWrite) => summaryOfRows(write.executions![0], undefined)!.start_ns;

/** What the batcher reports for an insert of these rows, all stored and held as objects unless `opaque`. */
function insertOf(executions: ExecutionRow[], steps: StepRow[], opaque: string[] = []): ListHeadWrite {
  const pairs = (list: { app_id: string; execution_id: string }[]) => [...new Set(list.map((row) => row.execution_id))].map((id) => ['a', id] as const);
  return { executions, steps, roots: pairs(executions), touched: pairs([...executions, ...steps]), opaque: opaque.map((id) => ['a', id] as const) };
}
const everything = { fromMillis: 0, toMillis: 10_000 };

describe('list head', () => {
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

  it('adds an execution whose every row one insert stored, as the list reads it, without a read', async () => {
    const rows = [record('old', 1000)];
    const fake = arraySource(rows);
    const head = createListHead({ source: fake.source, maxRows: 8, maxApps: 2, horizonMillis: () => 0 });
    expect(ids(await head.list('a', everything, 5))).toEqual(['old']);
    head.wrote(
      insertOf(
        [rootRow('new', 2000, { error_count: 0 })],
        [
          stepRow('new', 's1', 2001, { status: 'failed', input_tokens: 10, output_tokens: 3, cost_usd: 0.25, cost_source: 'estimated' }),
          stepRow('new', 's2', 2002, { input_tokens: 5, cost_usd: 0.5, cost_source: 'reported' }),
        ],
      ),
    );
    const page = await head.list('a', everything, 5);
    expect(ids(page)).toEqual(['new', 'old']);
    expect(page?.[0]).toMatchObject({
      start_ns: (2000n * MS).toString(), end_ns: (2005n * MS).toString(), step_count: 2, error_count: 1,
      usage: { inputTokens: 15, outputTokens: 3, costUsd: 0.75, estimatedCostUsd: 0.25 },
    });
    expect(head.stats.fromIngest).toBe(1);
    expect(fake.calls.of).toBe(0);
    // Filtered, through the cursor, and after a late step (which makes it a read again).
    expect(ids(await head.list('a', { ...everything, status: 'completed' }, 1, { startNanos: (2000n * MS).toString(), id: 'new' }))).toEqual(['old']);
    rows.push({ ...record('new', 2000), step_count: 3 });
    head.wrote(insertOf([], [stepRow('new', 's3', 2003)]));
    expect((await head.list('a', everything, 5))?.map((row) => row.step_count)).toEqual([3, 1]);
    expect(fake.calls.of).toBe(1);

    // Steps a decode worker encoded come with its totals: added the same way. Counted in two places: read.
    const big = stepTotalsOf([stepRow('big', 'b1', 3001, { input_tokens: 7 }), stepRow('big', 'b2', 3002)]);
    head.wrote({ ...insertOf([rootRow('big', 3000)], []), stepTotals: big, touched: [['a', 'big']] });
    expect((await head.list('a', everything, 5))?.[0]).toMatchObject({ execution_id: 'big', step_count: 2, usage: { inputTokens: 7 } });
    expect(fake.calls.of).toBe(1);
    rows.push(record('both', 4000));
    head.wrote({ ...insertOf([rootRow('both', 4000)], [stepRow('both', 'c1', 4001)]), stepTotals: stepTotalsOf([stepRow('both', 'c2', 4002)]) });
    expect(ids(await head.list('a', everything, 5))?.[0]).toBe('both');
    expect(fake.calls.of).toBe(2);
    expect(head.stats.fromIngest).toBe(2);
  });

  it('reads an execution whose rows it cannot all see in the insert: earlier steps, encoded or refused rows, twice-written rows', async () => {
    // Steps of 'early' were stored before the build; 'later' gets steps in one insert and its root in the next.
    const rows = [record('old', 1000)];
    const fake = arraySource(rows, [{ execution_id: 'early', startMillis: 1500 }, { execution_id: 'old', startMillis: 1000 }]);
    const head = createListHead({ source: fake.source, maxRows: 8, maxApps: 2, horizonMillis: () => 0 });
    await head.list('a', everything, 5);
    expect(fake.calls.withSteps).toBe(1);
    head.wrote(insertOf([], [stepRow('later', 'x', 3000)]));
    const written: [string, ListHeadWrite][] = [
      ['early', insertOf([rootRow('early', 2000)], [stepRow('early', 'b', 2001)])],
      ['later', insertOf([rootRow('later', 3000)], [])],
      ['encoded', insertOf([rootRow('encoded', 4000)], [], ['encoded'])],
      ['twice', insertOf([rootRow('twice', 5000), rootRow('twice', 5000, { status: 'failed' })], [])],
      ['redelivered', insertOf([rootRow('redelivered', 6000)], [stepRow('redelivered', 'y', 6001), stepRow('redelivered', 'y', 6001)])],
      ['skewed', insertOf([rootRow('skewed', 7000)], [stepRow('skewed', 'z', 7000 + 2 * 86_400_000)])],
    ];
    for (const [id, write] of written) {
      rows.push(record(id, Number(BigInt(dateNs(write)) / MS)));
      head.wrote(write);
    }
    expect(ids(await head.list('a', everything, 10))).toEqual(['skewed', 'redelivered', 'twice', 'encoded', 'later', 'early', 'old']);
    expect(head.stats.fromIngest).toBe(0);
    expect(fake.calls.of).toBe(1);
  });

  it('takes new executions past maxRows by raising its floor; a cut one is read when written again', async () => {
    const fake = arraySource([]);
    const head = createListHead({ source: fake.source, maxRows: 2, maxApps: 2, horizonMillis: () => 0 });
    expect(await head.list('a', everything, 5)).toEqual([]);
    for (const [id, at] of [['n1', 1000], ['n2', 2000], ['n3', 3000]] as const) head.wrote(insertOf([rootRow(id, at)], []));
    expect(ids(await head.list('a', everything, 2))).toEqual(['n3', 'n2']);
    // n1 was cut: a page reaching below the floor goes to ClickHouse.
    expect(await head.list('a', everything, 3)).toBeUndefined();
    // Below the floor, a new execution changes no page the head answers.
    head.wrote(insertOf([rootRow('n0', 500)], []));
    expect(ids(await head.list('a', { fromMillis: 2500, toMillis: 10_000 }, 5))).toEqual(['n3']);
    expect(head.rows).toBe(2);
    expect(fake.calls.of).toBe(0);
  });

  it("counts an execution's rows as the list's statements do", () => {
    const T = 200_000_000;
    const root = rootRow('x', T, { step_count: 7, error_count: 4 });
    // No stored step: the root's own counts; failures never fewer than the sender's.
    const counted = (...steps: StepRow[]) => summaryOfRows(root, stepTotalsOf(steps)[0]);
    expect(summaryOfRows(root, undefined)).toMatchObject({ step_count: 7, error_count: 4, usage: { inputTokens: 0, costUsd: 0 } });
    expect(counted(stepRow('x', 'a', T + 1, { status: 'failed' }))).toMatchObject({ step_count: 1, error_count: 4 });
    expect(counted(...['a', 'b', 'c', 'd', 'e'].map((span) => stepRow('x', span, T + 1, { status: 'failed' })))).toMatchObject({ step_count: 5, error_count: 5 });
    // A span twice: which version counts is ClickHouse's to say.
    expect(counted(stepRow('x', 'a', T + 1), stepRow('x', 'a', T + 2, { status: 'failed' }))).toBeUndefined();
    // A step a day before the start is counted; one further out is not the insert's to count.
    expect(counted(stepRow('x', 'a', T - 86_400_000))).toMatchObject({ step_count: 1 });
    expect(counted(stepRow('x', 'a', T - 1 - 86_400_000))).toBeUndefined();
    expect(counted(stepRow('x', 'a', T + 5 + 86_400_000))).toMatchObject({ step_count: 1 });
    expect(counted(stepRow('x', 'a', T + 6 + 86_400_000))).toBeUndefined();
  });

  it('takes nothing from ingest when its build finds too many executions with steps; drops itself past too many written', async () => {
    const many = Array.from({ length: 10_002 }, (_, i) => ({ execution_id: `s${i}`, startMillis: 1000 }));
    const busy = arraySource([], many);
    const head = createListHead({ source: busy.source, maxRows: 2, maxApps: 2, horizonMillis: () => 0 });
    expect(await head.list('a', everything, 5)).toEqual([]);
    head.wrote(insertOf([rootRow('n1', 2000)], []));
    expect(head.stats.fromIngest).toBe(0);
    expect(busy.calls.of).toBe(0);
    await head.list('a', everything, 5);
    expect(busy.calls.of).toBe(1);

    const quiet = arraySource([]);
    const other = createListHead({ source: quiet.source, maxRows: 2, maxApps: 2, horizonMillis: () => 0 });
    await other.list('a', everything, 5);
    // Steps of 10,001 running executions: more than it keeps apart.
    for (let i = 0; i <= 10_000; i++) other.touched('a', `r${i}`, false);
    expect(other.rows).toBe(0);
    await other.list('a', everything, 5);
    expect(quiet.calls.newest).toBe(2);
  });
});
