import { describe, expect, it } from 'vitest';
import { oneLine, stripAnsi, truncate, visibleWidth, wrap } from '../../../../src/cli/format/text.js';

describe('text', () => {
  describe('visibleWidth', () => {
    it('ignores ANSI codes and counts code points', () => {
      expect(visibleWidth('\u001b[31m✗ failed\u001b[39m')).toBe(8);
      expect(stripAnsi('\u001b[2mdim\u001b[22m')).toBe('dim');
    });
  });

  describe('truncate', () => {
    it('ends cut text with … and leaves short text alone', () => {
      expect(truncate('abcdef', 4)).toBe('abc…');
      expect(truncate('abc', 4)).toBe('abc');
      expect(truncate('abc', 0)).toBe('');
    });
  });

  describe('wrap', () => {
    it('breaks at spaces within the width', () => {
      expect(wrap('approved because the score is high', 12)).toEqual(['approved', 'because the', 'score is', 'high']);
    });

    it('splits words longer than a line and keeps line breaks', () => {
      expect(wrap('abcdefghij xy', 4)).toEqual(['abcd', 'efgh', 'ij', 'xy']);
      expect(wrap('a\nb', 10)).toEqual(['a', 'b']);
    });
  });

  describe('oneLine', () => {
    it('turns line breaks and tabs into spaces', () => {
      expect(oneLine('a\n  b\tc')).toBe('a b c');
    });
  });
});
