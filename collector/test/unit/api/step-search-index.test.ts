/**
 * The step search index's plan over a real reply store: a search again over
 * the same days answers from the look-ups it remembered, and a change to a
 * day's words (a rebuild) is seen at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStepSearchIndex } from '../../../src/api/step-search-index.js';
import { openReplyStore, type ReplyStore } from '../../../src/store/reply-store.js';
import { parseSearch } from '../../../src/store/step-search.js';
import type { DayExecution, WordPostings } from '../../../src/store/day-words.js';

const DAYS = ['2026-01-01', '2026-01-02'];
const RANGE = { fromMillis: Date.parse('2026-01-01T00:00:00Z'), toMillis: Date.parse('2026-01-03T00:00:00Z') };
const stored = (entries: [string, string, WordPostings][], executions: DayExecution[]) => ({ entries: () => entries.values(), executions: () => executions });
const execution = (executionId: string): DayExecution => ({ appId: 'a', executionId, renumbered: false });
const termsOf = (text: string) => {
  const parsed = parseSearch(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.terms;
};

describe('step search index', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function servedStore(): Promise<{ store: ReplyStore; lookUps: () => number }> {
    const dir = mkdtempSync(join(tmpdir(), 'xray-index-'));
    dirs.push(dir);
    const store = openReplyStore(dir);
    for (const [i, day] of DAYS.entries()) {
      await store.storeWords(day, stored([['a', 'zanzibar', { steps: [0, 1] }]], [execution(`e${i}`)]));
      await store.verify(day, { parts: 'p', content: 'c' }, [], 'b1');
    }
    let calls = 0;
    const counted = Object.assign(Object.create(store) as ReplyStore, {
      wordsOf: (...args: Parameters<ReplyStore['wordsOf']>) => {
        calls += 1;
        return store.wordsOf(...args);
      },
    });
    return { store: counted, lookUps: () => calls };
  }

  it('plans a search again over the same days from the look-ups it remembered, and reads a day again once its words change', async () => {
    const { store, lookUps } = await servedStore();
    const index = createStepSearchIndex(store);
    const terms = termsOf('zanzibar');
    const ids = () => index.plan('a', terms, RANGE)?.candidates.map(({ day, executionId, positions }) => `${day}/${executionId}/${positions.join(',')}`);
    expect(ids()).toEqual(['2026-01-02/e1/1', '2026-01-01/e0/1']);
    const first = lookUps();
    expect(first).toBe(2);
    expect(ids()).toEqual(['2026-01-02/e1/1', '2026-01-01/e0/1']);
    expect(lookUps()).toBe(first);
    // Another word, or the same one in another app, is its own look-up.
    expect(index.plan('b', terms, RANGE)?.candidates).toEqual([]);
    expect(lookUps()).toBe(first + 2);

    // A day built again: its new words are read, the other day's not remembered wrongly either.
    await store.storeWords('2026-01-02', stored([['a', 'zanzibar', { steps: [0, 3] }]], [execution('e9')]));
    expect(ids()).toEqual(['2026-01-02/e9/3', '2026-01-01/e0/1']);
    // A day's words dropped (the day no longer served): the index answers nothing, the engine does.
    await store.unverify('2026-01-01', true);
    expect(index.plan('a', terms, RANGE)).toBeUndefined();
  });
});
