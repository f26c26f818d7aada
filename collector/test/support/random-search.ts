/**
 * Random step fields and searches over a small vocabulary, for the tests
 * that hold a piece of step search to the engine's patterns (the snippet and
 * matcher, the word sieve). Seeded: the same draws for the same generator.
 */
import type { SearchFields } from '../../src/api/search-snippet.js';
import { createPick } from './seeded-random.js';

export interface RandomSearchOptions {
  words: readonly string[];
  separators: readonly string[];
  /** Words in a text: up to this many minus one. */
  maxWords: number;
  /** Whether half the texts lose their last separator. */
  trimHalf: boolean;
}

/**
 * @example
 * const draw = createRandomSearches(createRandom(7), { words: ['score'], separators: [' '], maxWords: 8, trimHalf: false });
 * const { fields, search } = draw();
 */
export function createRandomSearches(next: () => number, options: RandomSearchOptions): () => { fields: SearchFields; search: string } {
  const pick = createPick(next);
  const { words, separators } = options;
  const text = () => {
    let out = next() < 0.2 ? pick(separators) : '';
    for (let n = Math.floor(next() * options.maxWords); n > 0; n--) out += pick(words) + (next() < 0.15 ? pick(words) : '') + pick(separators);
    return !options.trimHalf || next() < 0.5 ? out : out.slice(0, -1);
  };
  return () => {
    const fields: SearchFields = { reasoning: text(), error_message: next() < 0.3 ? text() : '', input: text(), output: next() < 0.5 ? text() : '' };
    const search = Array.from({ length: 1 + Math.floor(next() * 2) }, () => (next() < 0.25 ? `"${pick(words)} ${pick(words)}"` : pick(words).slice(0, 1 + Math.floor(next() * 9)))).join(' ');
    return { fields, search };
  };
}
