import { describe, expect, it } from 'vitest';
import { diffJson, parseJsonText } from '../../src/json-diff.js';

describe('json-diff', () => {
  describe('diffJson', () => {
    it('finds nothing between equal documents, whatever the key order', () => {
      expect(diffJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toEqual({ changes: [], truncated: false });
    });

    it('reports a changed leaf at its path', () => {
      expect(diffJson({ applicant: { score: 0.82 } }, { applicant: { score: 0.41 } }).changes).toEqual([
        { path: '$.applicant.score', kind: 'changed', before: 0.82, after: 0.41 },
      ]);
    });

    it('reports added and removed keys and array items', () => {
      const { changes } = diffJson({ keep: 1, gone: 'x', items: [1, 2, 3] }, { keep: 1, items: [1, 2], fresh: true });
      expect(changes).toEqual([
        { path: '$.gone', kind: 'removed', before: 'x' },
        { path: '$.items[2]', kind: 'removed', before: 3 },
        { path: '$.fresh', kind: 'added', after: true },
      ]);
      expect(diffJson([1], [1, { a: 2 }]).changes).toEqual([{ path: '$[1]', kind: 'added', after: { a: 2 } }]);
    });

    it('quotes keys that are not identifiers', () => {
      expect(diffJson({ 'user.id': 'u1' }, { 'user.id': 'u2' }).changes[0].path).toBe('$["user.id"]');
    });

    it('treats a change of type as one change of the whole value', () => {
      expect(diffJson({ v: [1, 2] }, { v: { 0: 1 } }).changes).toEqual([{ path: '$.v', kind: 'changed', before: [1, 2], after: { 0: 1 } }]);
      expect(diffJson('text', { a: 1 }).changes).toEqual([{ path: '$', kind: 'changed', before: 'text', after: { a: 1 } }]);
      expect(diffJson(null, 0).changes).toHaveLength(1);
      expect(diffJson(1, '1').changes).toHaveLength(1);
    });

    it('stops at maxChanges and says it did', () => {
      const before = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
      const after = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i + 1]));
      const diff = diffJson(before, after, { maxChanges: 3 });
      expect(diff.changes.map((c) => c.path)).toEqual(['$.k0', '$.k1', '$.k2']);
      expect(diff.truncated).toBe(true);
      expect(diffJson(before, after, { maxChanges: 10 }).truncated).toBe(false);
    });
  });

  describe('parseJsonText', () => {
    it('parses JSON text of any kind', () => {
      expect(parseJsonText('{"a":[1,2]}')).toEqual({ a: [1, 2] });
      expect(parseJsonText('"approved"')).toBe('approved');
      expect(parseJsonText('42')).toBe(42);
      expect(parseJsonText('null')).toBeNull();
    });

    it('returns null for empty text', () => {
      expect(parseJsonText('')).toBeNull();
    });

    it('returns text that is not JSON as it is', () => {
      expect(parseJsonText('approved')).toBe('approved');
      expect(parseJsonText('{broken')).toBe('{broken');
    });
  });
});
