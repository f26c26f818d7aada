import { describe, expect, it } from 'vitest';
import { toJsonCompactEachRow } from '../../../src/store/chdb-backend.js';

describe('store/chdb-backend', () => {
  describe('toJsonCompactEachRow', () => {
    it('writes one JSON array per row under the first row\'s columns, in that order', () => {
      const { columns, payload } = toJsonCompactEachRow([
        { a: 1, b: 'x\ty', m: { k: 'v' } },
        { b: 'second', a: 2, m: {} },
      ]);
      expect(columns).toEqual(['a', 'b', 'm']);
      expect(payload.toString('utf8')).toBe('[1,"x\\ty",{"k":"v"}]\n[2,"second",{}]\n');
    });

    it('refuses a row of another shape instead of shifting its values into the wrong columns', () => {
      expect(() => toJsonCompactEachRow([{ a: 1, b: 2 }, { a: 1, c: 2 }])).toThrow(/same columns/);
      expect(() => toJsonCompactEachRow([{ a: 1, b: 2 }, { a: 1 }])).toThrow(/same columns/);
      expect(() => toJsonCompactEachRow([{ a: 1, b: 2 }, { a: 1, b: 2, c: 3 }])).toThrow(/same columns/);
      expect(() => toJsonCompactEachRow([{ a: 1, b: 2 }], ['a', 'c'])).toThrow(/same columns/);
    });
  });
});
