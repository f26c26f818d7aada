import { describe, expect, it } from 'vitest';
import { stepMatcher } from '../../../src/api/search-snippet.js';
import type { SearchFields } from '../../../src/api/search-snippet.js';
import { parseSearch, searchWords } from '../../../src/store/step-search.js';
import { HashSet, WordSieve, addStepWords, addTextWords, rulesOut, wordHash } from '../../../src/store/word-sieve.js';
import { createRandomSearches } from '../../support/random-search.js';
import { createRandom } from '../../support/seeded-random.js';

const empty = { reasoning: '', error_message: '', input: '', output: '' };

function sieveOf(...steps: SearchFields[]): WordSieve {
  const sieve = new WordSieve(20);
  for (const step of steps) addStepWords(step, sieve);
  return sieve;
}

const terms = (search: string) => {
  const parsed = parseSearch(search);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.terms;
};

describe('word-sieve', () => {
  describe('addTextWords', () => {
    it('hashes the words step search cuts, ASCII letters lower-cased, and with prefixes every prefix of four code points or more', () => {
      const hashes: number[] = [];
      addTextWords('Score: THRESH-old école 😀abc', true, { add: (hash) => hashes.push(hash) });
      const expected = [
        wordHash('scor', true), wordHash('score', true), wordHash('score', false),
        wordHash('thre', true), wordHash('thres', true), wordHash('thresh', true), wordHash('thresh', false),
        wordHash('old', false),
        wordHash('écol', true), wordHash('école', true), wordHash('école', false),
        wordHash('😀abc', true), wordHash('😀abc', false),
      ];
      expect(hashes).toEqual(expected);
      expect(searchWords('Score: THRESH-old école 😀abc')).toEqual(['score', 'thresh', 'old', 'école', '😀abc']);
    });

    it('adds whole words only without prefixes', () => {
      const hashes: number[] = [];
      addTextWords('{"fingerprint":"Ab12"}', false, { add: (hash) => hashes.push(hash) });
      expect(hashes).toEqual([wordHash('fingerprint', false), wordHash('ab12', false)]);
    });

    it('reads a lone surrogate as U+FFFD, as the stored UTF-8 text holds it, and a surrogate pair as one code point', () => {
      expect(wordHash('ab\ud800cd', false)).toBe(wordHash('ab\ufffdcd', false));
      expect(wordHash('ab\udc00', false)).toBe(wordHash('ab\ufffd', false));
      expect(wordHash('😀', false)).not.toBe(wordHash('\ufffd\ufffd', false));
      // Three code points: no prefix hash (a three-letter bare word matches whole).
      const hashes: number[] = [];
      addTextWords('a😀b', true, { add: (hash) => hashes.push(hash) });
      expect(hashes).toEqual([wordHash('a😀b', false)]);
    });
  });

  describe('rulesOut', () => {
    const sieve = sieveOf(
      { reasoning: 'Income below the threshold', error_message: 'Bureau timeout', input: '{"customer":"c-1042"}', output: '{"tier":"A"}' },
      { ...empty, reasoning: 'École fermée' },
    );

    it('keeps every search that can match: prefixes in reasoning and error messages, whole words and phrases anywhere', () => {
      for (const search of ['thresh', 'THRESHOLD', 'bure', 'time', 'c-1042', 'customer', '"below the"', 'a', 'tier', 'Écol', 'fermée', 'thresh income']) {
        expect(rulesOut(sieve, terms(search)), search).toBe(false);
      }
    });

    it('rules out a word no step holds, a prefix of a payload word, and a search one of whose terms no step holds', () => {
      // `écol`: lower() folds ASCII letters only, as the engine's does, so `École` does not start with it.
      for (const search of ['zanzibar', 'custom', '"below zanzibar"', 'thresh zanzibar', 'c-1043', 'écol']) {
        expect(rulesOut(sieve, terms(search)), search).toBe(true);
      }
    });

    it('never rules out a step the engine would match, for 3,000 random steps and searches', () => {
      const words = ['thresh', 'threshold', 'Thresholds', 'THRESH', 'ab', 'abc', 'abcd', 'Ab1', '1042', 'a1042', 'École', 'école', 'écol', 'ÉCOLE',
        'über', 'Über', '日本', '日本語', '😀', '😀smile', 'smile', 'x', 'xx', 'score', 'scores', 'Score', 'lone\ud800', '\udc00x'];
      const separators = [' ', '  ', ', ', '-', '_', '.', '"', ':', '/', '\n', '\u00a0', '{"', '":"'];
      const draw = createRandomSearches(createRandom(20261207), { words, separators, maxWords: 8, trimHalf: false });
      let matched = 0;
      let ruledOut = 0;
      for (let i = 0; i < 3000; i++) {
        const { fields: step, search } = draw();
        const parsed = parseSearch(search);
        if (!parsed.ok) continue;
        // Stored text is UTF-8: what the engine (and the matcher) reads has U+FFFD for a lone surrogate.
        const stored = Object.fromEntries(Object.entries(step).map(([field, value]) => [field, value.toWellFormed()])) as unknown as SearchFields;
        const sieve = new WordSieve(16);
        addStepWords(step, sieve);
        if (stepMatcher(parsed.terms)(stored)) {
          matched += 1;
          expect(rulesOut(sieve, parsed.terms), `${search} in ${JSON.stringify(step)}`).toBe(false);
        } else if (rulesOut(sieve, parsed.terms)) {
          ruledOut += 1;
        }
      }
      // Neither side of the comparison is empty.
      expect(matched).toBeGreaterThan(200);
      expect(ruledOut).toBeGreaterThan(300);
    });
  });

  describe('HashSet', () => {
    it('holds each hash once, 0 included, and grows past half full', () => {
      const set = new HashSet(2);
      for (const hash of [5, -7, 5, 0, 1 << 30, -7, 9, 0, 12, 13, 14]) set.add(hash);
      expect([...set.values()].sort((a, b) => a - b)).toEqual([-7, 0, 5, 9, 12, 13, 14, 1 << 30]);
      expect(set.size).toBe(8);
    });
  });

  describe('WordSieve', () => {
    it('answers maybe for every hash added, and about as rarely as its size says for others', () => {
      const sieve = new WordSieve(20);
      const next = createRandom(7);
      const added = Array.from({ length: 40_000 }, () => (next() * 2 ** 32) | 0);
      sieve.addAll(added);
      expect(added.every((hash) => sieve.mayHold(hash))).toBe(true);
      let false_maybes = 0;
      for (let i = 0; i < 100_000; i++) if (sieve.mayHold((next() * 2 ** 32) | 0)) false_maybes += 1;
      // 40,000 hashes in 2^20 bits, three bits each: (1 - e^(-3 * 40000 / 2^20))^3, about 0.13%.
      expect(false_maybes).toBeLessThan(400);
      expect(sieve.bytes).toBe(2 ** 17);
    });
  });
});
