import { serializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { searchSnippet } from '../../../src/api/schemas.js';
import { snippetOf, stepMatcher } from '../../../src/api/search-snippet.js';
import type { SearchFields, SearchSnippet } from '../../../src/api/search-snippet.js';
import { SEARCH_FIELDS, isPrefixIn, parseSearch, wordPattern } from '../../../src/store/step-search.js';
import type { SearchField, SearchTerm } from '../../../src/store/step-search.js';
import { createRandomSearches } from '../../support/random-search.js';
import { createRandom } from '../../support/seeded-random.js';

/**
 * The engine's pattern for a term in JavaScript form (termPattern in
 * store/step-search.ts, with JavaScript's class for a separator): what the
 * snippet and the matcher read with regular expressions before, kept here
 * as the reference they must agree with.
 */
function referencePattern(term: SearchTerm, field: SearchField): RegExp {
  const separator = '[^0-9A-Za-z\\u0080-\\uFFFF]';
  const body = (term.kind === 'prefix' ? [term.word] : term.words).map(wordPattern).join(`${separator}+`);
  return new RegExp(`(?:^|${separator})(${body})${isPrefixIn(term, field) ? '' : `(?=${separator}|$)`}`, 'g');
}
/** Every match of the terms in a field by the reference patterns, sorted and merged, as the snippet marks them. */
function referenceMatches(text: string, terms: readonly SearchTerm[], field: SearchField): [number, number][] {
  const ranges: [number, number][] = [];
  for (const term of terms) {
    for (const match of text.matchAll(referencePattern(term, field))) ranges.push([match.index + match[0].length - match[1]!.length, match.index + match[0].length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push(range);
  }
  return merged;
}

const empty = { reasoning: '', error_message: '', input: '', output: '' };
const serializeSnippet = serializerCompiler({ schema: searchSnippet, method: 'GET', url: '/api/v1/steps', httpStatus: '200' }) as (snippet: SearchSnippet) => string;

describe('search-snippet', () => {
  describe('snippetOf', () => {
    it('marks a prefix at a word start, not inside a word', () => {
      const snippet = snippetOf({ ...empty, reasoning: 'freshness below the Threshold' }, [{ kind: 'prefix', word: 'thresh' }]);
      expect(snippet).toEqual({ field: 'reasoning', text: 'freshness below the Threshold', highlights: [[20, 26]], clippedStart: false, clippedEnd: false });
      expect(snippetOf({ ...empty, reasoning: 'freshness' }, [{ kind: 'prefix', word: 'resh' }])).toBeNull();
    });

    it('takes the first field that matches, in the order reasoning, error message, input, output', () => {
      const snippet = snippetOf({ ...empty, error_message: 'limit exceeded', output: '{"limit":3}' }, [{ kind: 'prefix', word: 'limit' }]);
      expect(snippet).toMatchObject({ field: 'error.message', highlights: [[0, 5]] });
    });

    it('matches whole words in input and output, and phrases across punctuation', () => {
      expect(snippetOf({ ...empty, input: '{"reason":"thresholds"}' }, [{ kind: 'prefix', word: 'thresh' }])).toBeNull();
      const snippet = snippetOf({ ...empty, input: '{"note":"credit  score, below"}' }, [{ kind: 'phrase', words: ['credit', 'score', 'below'] }]);
      expect(snippet!.text.slice(...snippet!.highlights[0])).toBe('credit  score, below');
    });

    it('clips a long field around the first match and marks every match inside', () => {
      const reasoning = `${'x '.repeat(100)}score one score two ${'y '.repeat(200)}`;
      const snippet = snippetOf({ ...empty, reasoning }, [{ kind: 'prefix', word: 'score' }])!;
      expect(snippet.clippedStart).toBe(true);
      expect(snippet.clippedEnd).toBe(true);
      expect(snippet.text.length).toBe(200);
      expect(snippet.highlights.map(([start, end]) => snippet.text.slice(start, end))).toEqual(['score', 'score']);
    });

    it('is null without terms', () => {
      expect(snippetOf({ ...empty, reasoning: 'anything' }, [])).toBeNull();
    });

    it('marks and matches exactly what the engine\'s patterns do, for 3,000 random fields and searches', () => {
      const words = ['thresh', 'threshold', 'Thresholds', 'THRESH', 'ab', 'abc', 'abcd', 'Ab1', '1042', 'a1042', 'École', 'école', 'écol', 'ÉCOLE',
        'über', 'Über', '日本', '日本語', '😀', '😀smile', 'smile', 'x', 'xx', 'score', 'scores', 'Score'];
      const separators = [' ', ' ', '  ', ', ', '-', '_', '.', '"', ':', '/', '\n', '\u00a0', '{"', '":"'];
      const draw = createRandomSearches(createRandom(20261206), { words, separators, maxWords: 12, trimHalf: true });
      let matched = 0;
      for (let i = 0; i < 3000; i++) {
        const { fields, search } = draw();
        const parsed = parseSearch(search);
        if (!parsed.ok) continue;
        const terms = parsed.terms;
        const expected = terms.every((term) => SEARCH_FIELDS.some((field) => fields[field] !== '' && referenceMatches(fields[field], [term], field).length > 0));
        expect(stepMatcher(terms)(fields), `${search} in ${JSON.stringify(fields)}`).toBe(expected);
        if (expected) matched += 1;
        const snippet = snippetOf(fields, terms);
        const field = SEARCH_FIELDS.find((name) => fields[name] !== '' && referenceMatches(fields[name], terms, name).length > 0);
        if (!field) {
          expect(snippet, search).toBeNull();
          continue;
        }
        // The route writes a snippet with JSON.stringify: what the response schema's serializer writes.
        expect(JSON.stringify(snippet)).toBe(serializeSnippet(snippet!));
        const start = snippet!.clippedStart ? fields[field].indexOf(snippet!.text) : 0;
        expect(snippet!.highlights.map(([from, to]) => [from + start, to + start]), `${search} in ${JSON.stringify(fields[field])}`).toEqual(
          referenceMatches(fields[field], terms, field).filter(([from]) => from < start + snippet!.text.length).map(([from, to]) => [from, Math.min(to, start + snippet!.text.length)]),
        );
      }
      // Not a comparison of two empty answers.
      expect(matched).toBeGreaterThan(300);
    });
  });
});
