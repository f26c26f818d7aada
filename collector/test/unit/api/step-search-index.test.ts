/**
 * The step search index's plan and hits over a real reply store: a search
 * again over the same days answers from the look-ups and the steps' reads it
 * kept, and a change to a day's words or to a reply is seen at once.
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
/** A stored reply of two steps, the second's reasoning `reasoning`, its members in the step schema's order. */
const replyOf = (executionId: string, day: string, reasoning: string) => {
  const startNanos = `${Date.parse(`${day}T12:00:00Z`)}000000`;
  const step = (sequence: number, text: string) =>
    ({ executionId, spanId: `${executionId}-${sequence}`, sequence, startTimeUnixNano: startNanos, input: '', output: '', reasoning: text, error: null });
  const json = JSON.stringify({ execution: { executionId }, steps: [step(0, 'nothing'), step(1, reasoning)] });
  return { appId: 'a', executionId, day, build: 'b1', startMillis: Date.parse(`${day}T12:00:00Z`), rows: 2, json };
};
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
      await store.storeBatch('a', async () => [replyOf(`e${i}`, day, 'zanzibar once')]);
      await store.storeWords(day, stored([['a', 'zanzibar', { steps: [0, 1] }]], [execution(`e${i}`)]));
      await store.verify(day, { parts: 'p', content: 'c' }, [`a\u0000e${i}`], 'b1');
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

    // The hits, newest first, each step's own bytes; read again from what was kept, then from a reply written anew.
    const reasonings = () => {
      const plan = index.plan('a', terms, RANGE)!;
      return index.hits('a', plan, terms, RANGE.fromMillis, 10)?.map((hit) => [hit.step.spanId, JSON.parse(String(hit.json)).reasoning]);
    };
    expect(reasonings()).toEqual([['e1-1', 'zanzibar once'], ['e0-1', 'zanzibar once']]);
    expect(reasonings()).toEqual([['e1-1', 'zanzibar once'], ['e0-1', 'zanzibar once']]);
    await store.storeBatch('a', async () => [replyOf('e1', '2026-01-02', 'zanzibar twice')]);
    expect(reasonings()).toEqual([['e1-1', 'zanzibar twice'], ['e0-1', 'zanzibar once']]);
    // A step whose new text no longer holds the word is no hit (the index only narrows; the text decides).
    await store.storeBatch('a', async () => [replyOf('e1', '2026-01-02', 'gone')]);
    expect(reasonings()).toEqual([['e0-1', 'zanzibar once']]);

    // A day built again: its new words are read, the other day's not remembered wrongly either.
    await store.storeWords('2026-01-02', stored([['a', 'zanzibar', { steps: [0, 3] }]], [execution('e9')]));
    expect(ids()).toEqual(['2026-01-02/e9/3', '2026-01-01/e0/1']);
    // Its reply is not stored: the index gives the search up (the engine answers).
    expect(index.hits('a', index.plan('a', terms, RANGE)!, terms, RANGE.fromMillis, 10)).toBeUndefined();
    // A day's words dropped (the day no longer served): the index answers nothing, the engine does.
    await store.unverify('2026-01-01', true);
    expect(index.plan('a', terms, RANGE)).toBeUndefined();
  });
});
