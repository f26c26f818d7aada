import { describe, expect, it } from 'vitest';
import { isSingleReadOnlyStatement } from '../../../src/api/admin-routes.js';

describe('api/admin-routes', () => {
  describe('isSingleReadOnlyStatement', () => {
    it.each([
      'SELECT 1',
      'select count() from executions',
      '  \n SELECT 1',
      'WITH x AS (SELECT 1) SELECT * FROM x',
      'SHOW TABLES',
      'DESCRIBE TABLE steps',
      'DESC steps',
      'EXPLAIN SELECT 1',
      'EXISTS TABLE steps',
    ])('accepts %j', (sql) => {
      expect(isSingleReadOnlyStatement(sql)).toBe(true);
    });

    it.each([
      'INSERT INTO apps VALUES (1)',
      'DROP TABLE executions',
      'ALTER TABLE steps DELETE WHERE 1',
      'SET readonly = 0',
      'TRUNCATE TABLE steps',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'OPTIMIZE TABLE steps FINAL',
      'SELECTED 1',
      '',
      '-- comment\nSELECT 1',
    ])('rejects %j', (sql) => {
      expect(isSingleReadOnlyStatement(sql)).toBe(false);
    });

    it('rejects a second statement after a read-only one', () => {
      expect(isSingleReadOnlyStatement('SELECT 1; DROP TABLE x')).toBe(false);
      expect(isSingleReadOnlyStatement('SELECT 1;DROP TABLE x;')).toBe(false);
      expect(isSingleReadOnlyStatement('SHOW TABLES; SET readonly = 0')).toBe(false);
    });

    it('allows one trailing semicolon, with or without whitespace after it', () => {
      expect(isSingleReadOnlyStatement('SELECT 1;')).toBe(true);
      expect(isSingleReadOnlyStatement('SELECT 1 ;  \n')).toBe(true);
    });

    it('allows semicolons inside quoted strings and identifiers', () => {
      expect(isSingleReadOnlyStatement("SELECT 'a;b' AS x")).toBe(true);
      expect(isSingleReadOnlyStatement('SELECT 1 AS "a;b"')).toBe(true);
      expect(isSingleReadOnlyStatement('SELECT 1 AS `a;b`')).toBe(true);
      expect(isSingleReadOnlyStatement("SELECT 'it''s; fine'")).toBe(true);
    });

    it('is not fooled by an escaped quote before a semicolon', () => {
      expect(isSingleReadOnlyStatement("SELECT 'a\\'; DROP TABLE x; '")).toBe(true);
      expect(isSingleReadOnlyStatement("SELECT 'a\\\\'; DROP TABLE x")).toBe(false);
    });

    it('rejects a semicolon after a closed quote', () => {
      expect(isSingleReadOnlyStatement("SELECT 'a'; DROP TABLE x")).toBe(false);
    });
  });
});
