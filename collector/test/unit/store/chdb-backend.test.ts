import { describe, expect, it } from 'vitest';
import { insertFromFileSql, toJsonCompactEachRow } from '../../../src/store/chdb-backend.js';

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

  describe('insertFromFileSql', () => {
    it('names the table, the columns and the file, with the settings as literals after the file', () => {
      expect(insertFromFileSql('steps', ['app_id', 'sequence'], "/data/it's\\here/1.native", { insert_deduplication_token: "xray1:ab'c:3", insert_deduplicate: 1 })).toBe(
        "INSERT INTO steps (app_id, sequence) FROM INFILE '/data/it\\'s\\\\here/1.native' SETTINGS insert_deduplication_token = 'xray1:ab\\'c:3', insert_deduplicate = 1 FORMAT Native",
      );
      expect(insertFromFileSql('executions', ['app_id'], '/f')).toBe("INSERT INTO executions (app_id) FROM INFILE '/f' FORMAT Native");
    });

    it('refuses a table, column or setting name that is not a plain identifier instead of quoting it', () => {
      expect(() => insertFromFileSql('steps; DROP TABLE apps', ['app_id'], '/f')).toThrow(/not a plain identifier/);
      expect(() => insertFromFileSql('steps', ['app_id) SELECT 1 --'], '/f')).toThrow(/not a plain identifier/);
      expect(() => insertFromFileSql('steps', ['app_id'], '/f', { 'max_threads = 1, readonly': 0 })).toThrow(/not a setting name/);
    });
  });
});
