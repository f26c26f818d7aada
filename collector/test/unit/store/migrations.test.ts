import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadMigrations, splitStatements } from '../../../src/store/migrations.js';

const REAL_MIGRATIONS_DIR = resolve(import.meta.dirname, '../../../../clickhouse/migrations');

describe('store/migrations', () => {
  describe('splitStatements', () => {
    it('splits at a semicolon that ends a line', () => {
      expect(splitStatements('CREATE TABLE a (x UInt8) ENGINE = Memory;\nCREATE TABLE b (y UInt8) ENGINE = Memory;\n')).toEqual([
        'CREATE TABLE a (x UInt8) ENGINE = Memory',
        'CREATE TABLE b (y UInt8) ENGINE = Memory',
      ]);
    });

    it('allows spaces or tabs after the semicolon and no newline after the last one', () => {
      expect(splitStatements('SELECT 1;  \t\nSELECT 2;')).toEqual(['SELECT 1', 'SELECT 2']);
    });

    it('keeps a final statement without a semicolon', () => {
      expect(splitStatements('SELECT 1;\nSELECT 2')).toEqual(['SELECT 1', 'SELECT 2']);
    });

    it('keeps a semicolon inside a line as part of the statement', () => {
      expect(splitStatements("SELECT 'a;b', 1;\nSELECT 2;")).toEqual(["SELECT 'a;b', 1", 'SELECT 2']);
    });

    it('drops comment lines, including indented ones, and keeps multi-line statements whole', () => {
      const sql = [
        '-- header comment; with a semicolon;',
        'CREATE TABLE t',
        '(',
        '    -- a column comment;',
        '    x UInt8',
        ')',
        'ENGINE = Memory;',
        '',
        '-- trailing comment',
      ].join('\n');
      expect(splitStatements(sql)).toEqual(['CREATE TABLE t\n(\n    x UInt8\n)\nENGINE = Memory']);
    });

    it('returns nothing for a file of comments and blank lines', () => {
      expect(splitStatements('-- only\n\n  -- comments\n')).toEqual([]);
    });
  });

  describe('loadMigrations', () => {
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'xray-migrations-'));
    });

    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('orders migrations by version and splits their statements', () => {
      writeFileSync(join(dir, '0010_later.sql'), 'CREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = Memory;\n');
      writeFileSync(join(dir, '0002_second.sql'), 'SELECT 2;\nSELECT 3;\n');
      writeFileSync(join(dir, '0001_first.sql'), '-- first\nSELECT 1;\n');
      const migrations = loadMigrations(dir);
      expect(migrations.map((m) => [m.version, m.name, m.statements])).toEqual([
        [1, 'first', ['SELECT 1']],
        [2, 'second', ['SELECT 2', 'SELECT 3']],
        [10, 'later', ['CREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = Memory']],
      ]);
    });

    it('ignores files that are not NNNN_name.sql', () => {
      writeFileSync(join(dir, '0001_first.sql'), 'SELECT 1;');
      for (const name of ['README.md', '0002_draft.sql.bak', '2_short.sql', '0003_Upper.sql', '0004-dash.sql', 'notes.sql']) {
        writeFileSync(join(dir, name), 'SELECT 99;');
      }
      expect(loadMigrations(dir).map((m) => m.version)).toEqual([1]);
    });

    it('throws when two migrations share a version', () => {
      writeFileSync(join(dir, '0001_apps.sql'), 'SELECT 1;');
      writeFileSync(join(dir, '0001_keys.sql'), 'SELECT 2;');
      expect(() => loadMigrations(dir)).toThrow(`Two migrations share version 1 in ${dir}`);
    });

    it('gives a checksum that changes with the file text, comments included', () => {
      writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
      const before = loadMigrations(dir)[0].checksum;
      expect(before).toMatch(/^[0-9a-f]{64}$/);
      writeFileSync(join(dir, '0001_a.sql'), '-- edited\nSELECT 1;');
      expect(loadMigrations(dir)[0].checksum).not.toBe(before);
    });

    it('returns nothing for an empty folder', () => {
      expect(loadMigrations(dir)).toEqual([]);
    });

    describe('on the shipped clickhouse/migrations', () => {
      const migrations = loadMigrations(REAL_MIGRATIONS_DIR);

      it('has unique, increasing versions (helpers work in reserved ranges, so gaps are allowed)', () => {
        expect(migrations.length).toBeGreaterThan(0);
        const versions = migrations.map((m) => m.version);
        expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
      });

      it('has only idempotent statements: CREATE / ADD ... IF NOT EXISTS, DROP ... IF EXISTS, MATERIALIZE INDEX, or a backfill into a ReplacingMergeTree', () => {
        // A backfill may target a table an earlier migration created.
        const statements = migrations.flatMap((m, i) =>
          m.statements.map((sql) => ({ file: `${m.version}_${m.name}`, sql, all: migrations.slice(0, i + 1).flatMap((earlier) => earlier.statements) })),
        );
        expect(statements.length).toBeGreaterThan(0);
        for (const { file, sql, all } of statements) {
          const backfill = /^INSERT INTO (\w+)\s+(\([\w\s,]+\)\s+)?SELECT\b/.exec(sql);
          if (backfill) {
            // Re-running it after a crash inserts rows the engine collapses again: a ReplacingMergeTree,
            // or an AggregatingMergeTree fed only set states (uniqExact), where a union with itself changes nothing.
            const created = all.find((other) => other.includes(`CREATE TABLE IF NOT EXISTS ${backfill[1]}`));
            if (/ENGINE = AggregatingMergeTree/.test(created ?? '')) {
              const states = sql.match(/\w+State\(/g) ?? [];
              expect(states.length, file).toBeGreaterThan(0);
              for (const state of states) expect(state, file).toMatch(/^uniqExact(If)?State\($/);
              continue;
            }
            expect(created, file).toMatch(/ENGINE = ReplacingMergeTree/);
            continue;
          }
          expect(sql, file).toMatch(/^(CREATE\b|DROP (VIEW|TABLE) IF EXISTS\b|ALTER TABLE \w+\s+((ADD|MODIFY|DROP) (COLUMN|INDEX|SETTING)|MATERIALIZE INDEX)\b)/);
          if (/^DROP\s/.test(sql)) continue;
          // Setting a table setting to the value it already has changes nothing; rebuilding an index rebuilds the same one.
          if (/^ALTER\s+TABLE\s+\w+\s+(MODIFY\s+SETTING|MATERIALIZE\s+INDEX)\s/i.test(sql)) continue;
          expect(sql, file).toContain(/^ALTER\s+TABLE\s+\w+\s+DROP\s/i.test(sql) ? 'IF EXISTS' : 'IF NOT EXISTS');
        }
      });

      it('has no migration without statements', () => {
        for (const migration of migrations) expect(migration.statements.length, migration.name).toBeGreaterThan(0);
      });
    });
  });
});
