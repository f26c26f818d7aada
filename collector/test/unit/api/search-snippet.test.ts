import { describe, expect, it } from 'vitest';
import { snippetOf } from '../../../src/api/search-snippet.js';

const empty = { reasoning: '', error_message: '', input: '', output: '' };

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
  });
});
