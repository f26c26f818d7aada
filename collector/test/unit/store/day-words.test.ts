/**
 * A day's words (store/day-words.ts) and how the reply store keeps them
 * (store/reply-store.ts, real LMDB in a temporary folder): postings per app
 * and word as (execution ordinal, step position) pairs, common past the
 * limit, the day's executions by ordinal, served only with
 * their day, a prefix over a day's words, dropped with the day, and a day
 * built before words were kept dropped at open so it is built again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDayWords } from '../../../src/store/day-words.js';
import { openReplyStore } from '../../../src/store/reply-store.js';
import { compareCodePointPairs } from '../../../src/store/string-order.js';
import type { DayExecution, WordPostings } from '../../../src/store/day-words.js';

const step = (reasoning: string, input = '') => ({ reasoning, error_message: '', input, output: '' });
/** A day's words as the reply builder hands them over. */
const stored = (entries: [string, string, WordPostings][], executions: DayExecution[]) => ({ entries: () => entries.values(), executions: () => executions });

describe('day words', () => {
  it('numbers executions in the order added and lists, per app and word, the steps holding it; past the limit only that the word is common', () => {
    const words = createDayWords(2);
    words.add('a', 'e1', [step('Score below threshold'), step('below again')]);
    words.add('a', 'e2', [step('below')], true);
    words.add('b', 'e3', [step('below', '{"id":"X-9"}')]);
    words.add('a', 'e4', [step('nothing'), step('below score'), step('score again')]);
    expect(words.executions()).toEqual([
      { appId: 'a', executionId: 'e1', renumbered: false },
      { appId: 'a', executionId: 'e2', renumbered: true },
      { appId: 'b', executionId: 'e3', renumbered: false },
      { appId: 'a', executionId: 'e4', renumbered: false },
    ]);
    const listed = [...words.entries()];
    // In the order the reply store keeps them: apps, then words, by code point.
    expect(listed.map(([app, word]) => `${app}/${word}`)).toEqual(
      listed.map(([app, word]): [string, string] => [app, word]).sort(compareCodePointPairs).map(([app, word]) => `${app}/${word}`),
    );
    expect(listed[0]![0]).toBe('a');
    const entries = new Map(listed.map(([app, word, postings]) => [`${app}/${word}`, postings]));
    // (ordinal, step position) pairs: each step holding the word once, however often it holds it.
    expect(entries.get('a/score')).toEqual({ steps: [0, 0, 3, 1, 3, 2] });
    expect(entries.get('a/again')).toEqual({ steps: [0, 1, 3, 2] });
    expect(entries.get('a/below')).toEqual({ common: true });
    expect(entries.get('a/threshold')).toEqual({ steps: [0, 0] });
    expect(entries.get('b/below')).toEqual({ steps: [2, 0] });
    // Payload words as the tokenizer splits them, lower-cased.
    expect(entries.get('b/x')).toEqual({ steps: [2, 0] });
    expect(entries.get('b/9')).toEqual({ steps: [2, 0] });
    expect(entries.get('b/id')).toEqual({ steps: [2, 0] });
    expect(entries.has('a/x')).toBe(false);
  });
});

describe("reply store's words", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const signature = { parts: 'p', content: 'c' };

  it('serves a day’s words once the day is verified, by word or prefix, one app at a time, and drops them with the day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xray-words-'));
    dirs.push(dir);
    const store = openReplyStore(dir);
    const execution = (executionId: string, renumbered = false) => ({ appId: executionId === 'e3' ? 'ab' : 'a', executionId, renumbered });
    await store.storeWords('2026-01-02', stored(
      [
        ['a', 'three', { common: true }],
        ['a', 'threshold', { steps: [0, 0, 0, 3] }],
        ['a', 'thresholds', { steps: [1, 2] }],
        ['a', 'ünter', { steps: [3, 0] }],
        ['ab', 'threshold', { steps: [2, 1] }],
      ],
      [execution('e1'), execution('e2', true), execution('e3'), execution('e4')],
    ));
    expect(store.wordsOf('2026-01-02', 'a', 'threshold', false, 10)).toBeUndefined();
    expect(store.executionAt('2026-01-02', 0)).toBeUndefined();
    await store.verify('2026-01-02', signature, [], 'b1');
    expect(store.serves('2026-01-02')).toBe(true);
    expect(store.wordsOf('2026-01-02', 'a', 'threshold', false, 10)).toEqual([{ word: 'threshold', postings: { steps: [0, 0, 0, 3] } }]);
    expect(store.executionAt('2026-01-02', 1)).toEqual(execution('e2', true));
    expect(store.executionAt('2026-01-02', 4)).toBeUndefined();
    expect(store.wordsOf('2026-01-02', 'a', 'thresh', true, 10)?.map((entry) => entry.word)).toEqual(['threshold', 'thresholds']);
    expect(store.wordsOf('2026-01-02', 'a', 'thr', true, 10)).toEqual([
      { word: 'three', postings: { common: true } },
      { word: 'threshold', postings: { steps: [0, 0, 0, 3] } },
      { word: 'thresholds', postings: { steps: [1, 2] } },
    ]);
    expect(store.wordsOf('2026-01-02', 'a', 'thr', true, 2)).toBeUndefined();
    expect(store.wordsOf('2026-01-02', 'a', 'ün', true, 10)?.map((entry) => entry.word)).toEqual(['ünter']);
    expect(store.wordsOf('2026-01-02', 'a', 'missing', false, 10)).toEqual([]);
    expect(store.wordsOf('2026-01-02', 'ab', 'thresh', true, 10)).toEqual([{ word: 'threshold', postings: { steps: [2, 1] } }]);
    expect(store.wordsOf('2026-01-03', 'a', 'threshold', false, 10)).toBeUndefined();

    // Storing a day's words again replaces them.
    await store.storeWords('2026-01-02', stored([['a', 'other', { steps: [0, 0] }]], [execution('e9')]));
    expect(store.wordsOf('2026-01-02', 'a', 'thresh', true, 10)).toEqual([]);
    expect(store.executionAt('2026-01-02', 0)).toEqual(execution('e9'));
    expect(store.executionAt('2026-01-02', 1)).toBeUndefined();
    expect(store.wordsOf('2026-01-02', 'a', 'other', false, 10)).toEqual([{ word: 'other', postings: { steps: [0, 0] } }]);
    await store.unverify('2026-01-02', true);
    expect(store.serves('2026-01-02')).toBe(false);
    await store.verify('2026-01-02', signature, [], 'b1');
    expect(store.wordsOf('2026-01-02', 'a', 'other', false, 10)).toEqual([]);
    expect(store.executionAt('2026-01-02', 0)).toBeUndefined();
    await store.close();
  });

  it('finds every word and prefix across the chunks a day is stored in, in UTF-8 order, one app at a time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xray-words-'));
    dirs.push(dir);
    const store = openReplyStore(dir);
    // 300 words per app (several chunks), some of them sorting differently in UTF-16 and UTF-8 (past a surrogate).
    const vocabulary = [
      ...Array.from({ length: 280 }, (_, i) => `w${String(i * 7919 % 1000).padStart(3, '0')}x${i % 3}`),
      '\uffffend', '😀smile', '😀', 'école', 'écolier', 'e', 'ec', 'zz', 'a', 'ab', 'abc', '日本', '日本語',
    ];
    const entries: [string, string, WordPostings][] = [];
    const postingOf = (app: string, word: string) => ({ steps: [['a', 'ab', 'b'].indexOf(app), vocabulary.indexOf(word)] });
    for (const app of ['a', 'ab', 'b']) for (const word of vocabulary) entries.push([app, word, postingOf(app, word)]);
    // In the order the day's words come (DayWords.entries); out of order, refused.
    await expect(store.storeWords('2026-01-05', stored([...entries].reverse(), []))).rejects.toThrow(/day words out of order/);
    entries.sort((x, y) => compareCodePointPairs([x[0], x[1]], [y[0], y[1]]));
    await store.storeWords('2026-01-05', stored(entries, []));
    await store.verify('2026-01-05', signature, [], 'b1');
    const probes = ['w0', 'w00', 'w123', 'w1', 'w999x', '😀', '😀s', '\uffff', 'é', 'écol', 'e', 'a', 'ab', 'abc', 'abcd', '日', '日本', 'zz', 'zzz', '', 'x'];
    for (const app of ['a', 'ab', 'b']) {
      for (const probe of probes) {
        const prefixed = vocabulary.filter((word) => word.startsWith(probe)).sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        expect(store.wordsOf('2026-01-05', app, probe, true, 1000)?.map((entry) => entry.word), `${app} ${probe}*`).toEqual(prefixed);
        const exact = store.wordsOf('2026-01-05', app, probe, false, 1000);
        expect(exact, `${app} ${probe}`).toEqual(vocabulary.includes(probe) ? [{ word: probe, postings: postingOf(app, probe) }] : []);
      }
    }
    await store.close();
  });

  it("keeps a served day's look-ups in memory within the budget, and never answers one from before its words changed", async () => {
    const day = '2026-01-06';
    // Three of storeWords' write transactions: a look-up can run between them.
    const words = Array.from({ length: 10_000 }, (_, i) => `w${String(i).padStart(5, '0')}`);
    const entriesOf = (steps: number[]) => words.map((word): [string, string, WordPostings] => ['a', word, { steps }]);
    for (const cacheBytes of [4096, 0]) {
      const dir = mkdtempSync(join(tmpdir(), 'xray-words-'));
      dirs.push(dir);
      const store = openReplyStore(dir, { cacheBytes });
      await store.storeWords(day, stored(entriesOf([0, 1]), [{ appId: 'a', executionId: 'e1', renumbered: false }]));
      await store.verify(day, signature, [], 'b1');
      const last = words[words.length - 1]!;
      expect(store.wordsOf(day, 'a', last, false, 10)).toEqual([{ word: last, postings: { steps: [0, 1] } }]);
      expect(store.executionAt(day, 0)?.executionId).toBe('e1');
      expect(store.stats.cacheBytes > 0).toBe(cacheBytes > 0);
      for (const word of words.slice(0, 200)) store.wordsOf(day, 'a', word, true, 10);
      expect(store.stats.cacheBytes).toBeLessThanOrEqual(cacheBytes);
      // Stored again while the day is served, and looked up between two of the store's transactions
      // (the words come as it takes them): the new words once stored.
      const during: unknown[] = [];
      const again = entriesOf([0, 2]);
      await store.storeWords(day, {
        *entries() {
          for (const [i, entry] of again.entries()) {
            if (i === 5_000) during.push(store.wordsOf(day, 'a', last, false, 10), store.executionAt(day, 0));
            yield entry;
          }
        },
        executions: () => [{ appId: 'a', executionId: 'e2', renumbered: false }],
      });
      // Then, the last word was not stored yet, nor the executions.
      expect(during).toEqual([[], undefined]);
      expect(store.wordsOf(day, 'a', last, false, 10)).toEqual([{ word: last, postings: { steps: [0, 2] } }]);
      expect(store.executionAt(day, 0)?.executionId).toBe('e2');
      await store.close();
    }
  });

  it('drops, at open, a day of an earlier format (built before its words were kept), so it is built again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xray-words-'));
    dirs.push(dir);
    // A day as an earlier version recorded it: no `format`.
    const root = open({ path: dir, compression: true, maxDbs: 4 });
    const replies = root.openDB({ name: 'replies', compression: true });
    const days = root.openDB({ name: 'days' });
    await replies.put('a\u0000e1', { day: '2026-01-02', build: 'b0', json: '{}', rows: 1, startMillis: 0 });
    await days.put('2026-01-02', { ...signature, keys: ['a\u0000e1'] });
    await root.close();

    const store = openReplyStore(dir);
    expect(store.serves('2026-01-02')).toBe(false);
    expect(store.days().size).toBe(0);
    expect(store.stats.entries).toBe(0);
    await store.close();
  });
});
