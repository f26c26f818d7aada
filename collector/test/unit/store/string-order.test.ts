/**
 * ClickHouse's order of Strings (store/string-order.ts): by UTF-8 bytes, the
 * order of code points, which JavaScript's `<` departs from past a surrogate.
 */
import { describe, expect, it } from 'vitest';
import { compareCodePointPairs, compareCodePoints } from '../../../src/store/string-order.js';

describe('string order', () => {
  it('orders strings by code point, as ClickHouse orders UTF-8 bytes', () => {
    const sorted = ['\uFFFD', 'z', '\u{1F600}', 'é', '\uE000', 'a'].sort(compareCodePoints);
    expect(sorted).toEqual(['a', 'z', 'é', '\uE000', '\uFFFD', '\u{1F600}']);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  it('agrees in sign with a comparison of the UTF-8 bytes, for every pair of a mixed set', () => {
    const strings = ['', 'a', 'ab', 'b', 'é', 'éa', '\u07ff', '\u0800', '\uD7FF', '\uE000', '\uFFFD', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{1F600}a', '\u{10FFFF}', 'z\u{1F600}', 'z\uFFFF'];
    for (const a of strings) {
      for (const b of strings) {
        expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }
    }
  });

  it('orders (app, word) pairs by the app, then the word, each by code point', () => {
    const pairs: [string, string][] = [['b', 'a'], ['a', '\u{1F600}'], ['ab', 'a'], ['a', '\uFFFD'], ['a', 'z']];
    expect(pairs.sort(compareCodePointPairs)).toEqual([['a', 'z'], ['a', '\uFFFD'], ['a', '\u{1F600}'], ['ab', 'a'], ['b', 'a']]);
    expect(compareCodePointPairs(['a', 'x'], ['a', 'x'])).toBe(0);
  });
});
