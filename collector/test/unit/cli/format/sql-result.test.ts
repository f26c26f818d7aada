import { describe, expect, it } from 'vitest';
import { createColors } from '../../../../src/cli/format/colors.js';
import { renderSqlResult } from '../../../../src/cli/format/sql-result.js';

const plain = createColors(false);

describe('sql-result', () => {
  describe('renderSqlResult', () => {
    it('prints the columns in order, numbers (also 64-bit ones sent as strings) right-aligned, and a count', () => {
      const text = renderSqlResult(
        { rows: [{ pipeline: 'loan', n: '12', avg: 1.5, extra: null }, { pipeline: 'checkout', n: '3', avg: 20, extra: { a: 1 } }], truncated: false },
        { colors: plain },
      );
      expect(text.split('\n')).toEqual([
        'pipeline   n  avg  extra',
        'loan      12  1.5  NULL',
        'checkout   3   20  {"a":1}',
        '',
        '2 rows',
      ]);
    });

    it('adds columns that only later rows have', () => {
      const text = renderSqlResult({ rows: [{ a: 'x' }, { a: 'y', b: 'z' }], truncated: false }, { colors: plain });
      expect(text.split('\n')[0]).toBe('a  b');
      expect(text.split('\n')[1]).toBe('x  NULL');
    });

    it('says when there are no rows and when the collector cut the result', () => {
      expect(renderSqlResult({ rows: [], truncated: false }, { colors: plain })).toBe('0 rows');
      expect(renderSqlResult({ rows: [{ a: 1 }], truncated: true }, { colors: plain })).toContain('1 row (truncated');
    });
  });
});
