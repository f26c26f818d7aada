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
      if (sql.startsWith('SELECT DISTINCT app_id')) return Object.keys(words).map((key) => ({ app_id: key.split('/')[0] })) as T[];
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

describe('search-sieves', () => {
  it("answers only once seeded, from the stored words and every batch written since the sieve was made", async () => {
    const { backend } = storedWords({ [`a/${TODAY}`]: 'stored words' });
    const sieves = createSearchSieves({ backend, nowMillis: () => NOW, bitsLog2: 16 });
    sieves.wrote(batchOf(step('a', TODAY, 'written inline')));
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    sieves.wrote(encodedBatchOf([step('a', TODAY, 'written encoded')]));
    await sieves.settled();
    for (const word of ['stored', 'inline', 'encoded', 'writt']) expect(sieves.rulesOut('a', TODAY, terms(word)), word).toBe(false);
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    // Another app's day has no sieve of its own yet: not ruled out.
    expect(sieves.rulesOut('b', TODAY, terms('absent'))).toBe(false);
    expect(sieves.stats).toMatchObject({ sieves: 1, ready: 1, bytes: 2 ** 13 });
  });

  it('takes a sieve away for good when encoded rows come without their words', async () => {
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, nowMillis: () => NOW, bitsLog2: 16 });
    sieves.wrote(batchOf(step('a', TODAY, 'first')));
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    sieves.wrote(encodedBatchOf([step('a', TODAY, 'absent')], false));
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    sieves.wrote(batchOf(step('a', TODAY, 'later')));
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('zzz'))).toBe(false);
    expect(sieves.stats.sieves).toBe(0);
  });

  it('makes none for a day written while over the budget or outside yesterday to tomorrow, even once there is room', async () => {
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, nowMillis: () => NOW, bitsLog2: 16, maxSieves: 1 });
    sieves.wrote(batchOf(step('a', TODAY, 'x'), step('b', TODAY, 'y'), step('a', '2026-12-01', 'z')));
    await sieves.settled();
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(true);
    expect(sieves.rulesOut('b', TODAY, terms('absent'))).toBe(false);
    expect(sieves.rulesOut('a', '2026-12-01', terms('absent'))).toBe(false);
    expect(sieves.stats.sieves).toBe(1);
  });

  it("drops the sieves of days before yesterday when a new day's is made", async () => {
    let now = NOW;
    const { backend } = storedWords({});
    const sieves = createSearchSieves({ backend, nowMillis: () => now, bitsLog2: 16 });
    sieves.wrote(batchOf(step('a', TODAY, 'x')));
    now += 2 * 86_400_000;
    sieves.wrote(batchOf(step('a', '2026-12-08', 'y')));
    await sieves.settled();
    expect(sieves.stats.sieves).toBe(1);
    expect(sieves.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(sieves.rulesOut('a', '2026-12-08', terms('absent'))).toBe(true);
  });

  it("gives a day up when its seed fails, and seeds today's apps at start-up", async () => {
    const failing = storedWords({}, true);
    const errors: string[] = [];
    const broken = createSearchSieves({ backend: failing.backend, nowMillis: () => NOW, bitsLog2: 16, onSeedError: (_error, appId, day) => errors.push(`${appId}/${day}`) });
    broken.wrote(batchOf(step('a', TODAY, 'x')));
    await broken.settled();
    expect(errors).toEqual([`a/${TODAY}`]);
    expect(broken.rulesOut('a', TODAY, terms('absent'))).toBe(false);
    expect(broken.stats.sieves).toBe(0);

    const { backend, statements } = storedWords({ [`a/${TODAY}`]: 'stored', [`b/${TODAY}`]: 'other' });
    const sieves = createSearchSieves({ backend, nowMillis: () => NOW, bitsLog2: 16 });
    await sieves.seedToday();
    expect(sieves.stats).toMatchObject({ sieves: 2, ready: 2 });
    expect(sieves.rulesOut('a', TODAY, terms('other'))).toBe(true);
    expect(sieves.rulesOut('b', TODAY, terms('other'))).toBe(false);
    // One count and two word statements (explanation, payload) per app.
    expect(statements.filter((sql) => sql.includes('groupUniqArray'))).toHaveLength(4);
  });
});
