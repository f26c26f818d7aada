import { describe, expect, it } from 'vitest';
import { createSearchSieves } from '../../../src/api/search-sieves.js';
import type { RowBatch, StepRow } from '../../../src/contracts/rows.js';
import type { ClickHouseBackend } from '../../../src/store/index.js';
import { parseSearch } from '../../../src/store/step-search.js';
import { gatherStepWords } from '../../../src/store/word-sieve.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');
const TODAY = '2026-12-06';
const terms = (search: string) => {
  const parsed = parseSearch(search);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.terms;
};

/** A stand-in for the engine's answers to the seed's statements: the stored words of each app's day (a unit test; the integration test runs the real engine). */
function storedWords(words: Record<string, string>, failing = false) {
  const statements: string[] = [];
  const backend: Pick<ClickHouseBackend, 'query'> = {
    async query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      statements.push(sql);
      if (failing) throw new Error('engine unavailable');
      if (sql.startsWith('SELECT count()')) return [{ rows: 10 }] as T[];
      const stored = words[`${params!.appId}/${new Date(Number(params!.fromMillis)).toISOString().slice(0, 10)}`] ?? '';
      return [{ words: sql.includes('reasoning') ? stored : '' }] as T[];
    },
  };
  return { backend, statements };
}

const step = (appId: string, day: string, reasoning: string): StepRow =>
  ({ app_id: appId, start_time: `${day} 10:00:00.000000000`, reasoning, error_message: '', input: '', output: '' }) as StepRow;
const batchOf = (...steps: StepRow[]): RowBatch => ({ executions: [], steps });
/** The same steps as a decode worker hands them over: encoded, with (or without) their words. */
const encodedBatchOf = (steps: StepRow[], withWords = true): RowBatch => ({
  executions: [],
  steps: [],
  encodedSteps: {
    columns: [],
    payload: new Uint8Array(0),
    rows: steps.length,
    days: [...new Set(steps.map((row) => row.start_time.slice(0, 10)))],
    executions: steps.map((row) => [row.app_id, 'e1']),
    ...(withWords ? { words: gatherStepWords(steps) } : {}),
  },
});

/** The insert batcher's `settled` as the test drives it: each call waits until the test lets it go (`release`), or at once. */
function writeBarrier(held = false) {
  const waiting: (() => void)[] = [];
  let calls = 0;
  return {
    writesSettled: () => {
      calls += 1;
      return held ? new Promise<void>((resolve) => waiting.push(resolve)) : Promise.resolve();
    },
    get calls() {
      return calls;
    },
    /** Lets the oldest waiting call go, once one waits. */
    async release() {
      while (waiting.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      waiting.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}

describe('search-sieves', () => {
  it("makes a day's sieve when a search first asks the engine for it, seeds it after the writes it could not see are stored, and answers once seeded", async () => {
    const { backend, statements } = storedWords({ [`a/${TODAY}`]: 'stored words' });
    const barrier = writeBarrier(true);
    const sieves = createSearchSieves({ backend, writesSettled: barrier.writesSettled, nowMillis: () => NOW, bitsLog2: 16 });
    // Before any search: no sieve, and ingest gathers no word of the app.
    sieves.wrote(batchOf(step('a', TODAY, 'written before')));
    expect(sieves.gathers('a')).toBe(false);
    expect(sieves.stats.sieves).toBe(0);

    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(sieves.gathers('a')).toBe(true);
    expect(sieves.gathers('b')).toBe(false);
    // A request decoded before the app gathered hands its rows over without words: no sieve exists yet to lose.
    sieves.wrote(encodedBatchOf([step('a', TODAY, 'unseen')], false));
    await barrier.release();
    expect(sieves.stats).toMatchObject({ sieves: 1, ready: 0 });
    // Made, not seeded: the seed waits until what was handed over before is stored.
    sieves.wrote(batchOf(step('a', TODAY, 'written inline')));
    sieves.wrote(encodedBatchOf([step('a', TODAY, 'written encoded')]));
    expect(statements).toEqual([]);
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    await barrier.release();
    await sieves.settled();
    expect(barrier.calls).toBe(2);
    for (const word of ['stored', 'inline', 'encoded', 'writt']) expect(sieves.rulesOut('a', TODAY, terms(word)), word).toBe(false);
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    expect(sieves.stats).toMatchObject({ sieves: 1, ready: 1, bytes: 2 ** 13 });
  });

  it('takes a sieve away when encoded rows come without their words, and lets a search make another only after the retry time', async () => {
    let now = NOW;
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, writesSettled: writeBarrier().writesSettled, nowMillis: () => now, bitsLog2: 16, retryMillis: 60_000 });
    sieves.rulesOut('a', TODAY, terms('absent'));
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    sieves.wrote(encodedBatchOf([step('a', TODAY, 'absent')], false));
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(sieves.gathers('a')).toBe(false);
    await sieves.settled();
    expect(sieves.stats.sieves).toBe(0);
    now += 60_001;
    expect(sieves.rulesOut('a', TODAY, terms('zzz'))).toBe(false);
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('zzz'))).toBe(true);
  });

  it('makes none over the budget or outside yesterday to tomorrow, and gathers no word for an app without one', async () => {
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, writesSettled: writeBarrier().writesSettled, nowMillis: () => NOW, bitsLog2: 16, maxSieves: 1 });
    for (const [appId, day] of [['a', TODAY], ['b', TODAY], ['a', '2026-12-01']] as const) sieves.rulesOut(appId, day, terms('absent'));
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    expect(sieves.rulesOut('b', TODAY, terms('absent'))).toBe(false);
    expect(sieves.rulesOut('a', '2026-12-01', terms('absent'))).toBe(false);
    expect(sieves.stats.sieves).toBe(1);
    expect([sieves.gathers('a'), sieves.gathers('b')]).toEqual([true, false]);
    // b's steps are not read into a's sieve, nor into one of b's.
    sieves.wrote(batchOf(step('b', TODAY, 'absent')));
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
  });

  it('gives the slot of a sieve no search consulted for idleMillis to an app that searches now, and never one in use', async () => {
    let now = NOW;
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, writesSettled: writeBarrier().writesSettled, nowMillis: () => now, bitsLog2: 16, maxSieves: 1, idleMillis: 600_000 });
    sieves.rulesOut('a', TODAY, terms('x'));
    await sieves.settled();
    now += 599_999;
    // a's sieve was consulted just now (its last use moves on): b waits.
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    now += 599_999;
    expect(sieves.rulesOut('b', TODAY, terms('absent'))).toBe(false);
    await sieves.settled();
    expect([sieves.gathers('a'), sieves.gathers('b')]).toEqual([true, false]);
    now += 2;
    sieves.rulesOut('b', TODAY, terms('absent'));
    await sieves.settled();
    expect([sieves.gathers('a'), sieves.gathers('b')]).toEqual([false, true]);
    expect(sieves.rulesOut('b', TODAY, terms('absent'))).toBe(true);
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(sieves.stats.sieves).toBe(1);
  });

  it('drops the sieves of days before yesterday when a new one is made', async () => {
    let now = NOW;
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, writesSettled: writeBarrier().writesSettled, nowMillis: () => now, bitsLog2: 16 });
    sieves.rulesOut('a', TODAY, terms('x'));
    await sieves.settled();
    now += 2 * 86_400_000;
    sieves.rulesOut('a', '2026-12-08', terms('x'));
    await sieves.settled();
    expect(sieves.stats.sieves).toBe(1);
    expect(sieves.rulesOut('a', '2026-12-08', terms('absent'))).toBe(true);
  });

  it('gives a day up when its seed fails, reading one count and two word statements (explanation, payload) otherwise', async () => {
    const failing = storedWords({}, true);
    const errors: string[] = [];
    const broken = createSearchSieves({
      backend: failing.backend,
      writesSettled: writeBarrier().writesSettled,
      nowMillis: () => NOW,
      bitsLog2: 16,
      onSeedError: (_error, appId, day) => errors.push(`${appId}/${day}`),
    });
    broken.rulesOut('a', TODAY, terms('x'));
    await broken.settled();
    expect(errors).toEqual([`a/${TODAY}`]);
    expect(broken.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(broken.stats.sieves).toBe(0);

    const { backend, statements } = storedWords({ [`a/${TODAY}`]: 'stored', [`b/${TODAY}`]: 'other' });
    const sieves = createSearchSieves({ backend, writesSettled: writeBarrier().writesSettled, nowMillis: () => NOW, bitsLog2: 16 });
    for (const appId of ['a', 'b']) sieves.rulesOut(appId, TODAY, terms('x'));
    await sieves.settled();
    expect(sieves.stats).toMatchObject({ sieves: 2, ready: 2 });
    expect(sieves.rulesOut('a', TODAY, terms('other'))).toBe(true);
    expect(sieves.rulesOut('b', TODAY, terms('other'))).toBe(false);
    expect(statements.filter((sql) => sql.includes('groupUniqArray'))).toHaveLength(4);
    expect(statements.filter((sql) => sql.startsWith('SELECT count()'))).toHaveLength(2);
  });
});
