import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/config.js';
import { ClusterDdlError, planClusterLayout, renderForCluster, splitTopLevel, storageTable } from '../../../src/store/cluster-ddl.js';
import { clusterLayoutOf, loadMigrations, statementsFor } from '../../../src/store/migrations.js';

// ClickHouse's own parser (chDB runs formatQuery without executing anything)
// checks every statement the migrations run, as written and as rendered for a
// cluster. formatQuery also gives the canonical text the invariants read.
let session: Session;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xray-cluster-ddl-'));
  session = new Session(dir);
});

afterAll(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

function canonical(sql: string): string {
  const escaped = sql.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return JSON.parse(session.query(`SELECT formatQuery('${escaped}') AS q FORMAT JSONEachRow`).trim()).q as string;
}

const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
const layout = clusterLayoutOf(migrations);
const CLUSTER = 'xray';

describe('store/cluster-ddl', () => {
  describe('planClusterLayout', () => {
    it('shards the tables with an execution id, keeps MV targets as rollups and the rest global', () => {
      expect(layout.tables.get('executions')).toBe('sharded');
      expect(layout.tables.get('steps')).toBe('sharded');
      expect(layout.tables.get('pipeline_stats_1m')).toBe('rollup');
      expect(layout.tables.get('step_stats_1h')).toBe('rollup');
      expect(layout.tables.get('apps')).toBe('global');
      expect(layout.tables.get('api_keys')).toBe('global');
      expect(layout.tables.get('xray_schema_migrations')).toBe('global');
      // A rollup keyed by execution id lives on its executions' shard.
      expect(layout.tables.get('execution_days')).toBe('rollup');
      expect(layout.byExecutionId.has('execution_days')).toBe(true);
      // The business-key index (migration 0130) too: its backfill and deletes go where its executions live.
      expect(layout.tables.get('business_key_index')).toBe('rollup');
      expect(layout.byExecutionId.has('business_key_index')).toBe(true);
      expect(layout.byExecutionId.has('pipeline_stats_1m')).toBe(false);
    });
  });

  describe('every migration, in both modes', () => {
    for (const migration of migrations) {
      it(`${String(migration.version).padStart(4, '0')}_${migration.name} parses as written`, () => {
        for (const statement of migration.statements) expect(() => canonical(statement)).not.toThrow();
      });

      it(`${String(migration.version).padStart(4, '0')}_${migration.name} renders for a cluster into statements ClickHouse parses`, () => {
        const rendered = statementsFor(migration.statements, { cluster: CLUSTER }, layout);
        expect(rendered.length).toBeGreaterThanOrEqual(migration.statements.length);
        for (const statement of rendered) {
          const text = canonical(statement);
          // A backfill runs once, through the Distributed tables: unchanged, no ON CLUSTER.
          if (text.startsWith('INSERT INTO')) {
            expect(statement).toBe(migration.statements.find((s) => s.trim() === statement));
            continue;
          }
          expect(text, statement).toMatch(new RegExp(`\\bON CLUSTER ${CLUSTER}\\b`));
          // No table stays unreplicated: every MergeTree engine is a Replicated one.
          for (const engine of text.matchAll(/ENGINE = (\w*MergeTree)\(([^)]*)/g)) {
            expect(engine[1], text).toMatch(/^Replicated/);
            expect(engine[2], text).toMatch(/^'\/clickhouse\/tables\/(\{shard\}|global)\/\{database\}\/\w+', '\{replica\}'/);
          }
        }
      });
    }

    it('gives every sharded and rollup table a local table and a Distributed table over it, sharded by execution id', () => {
      const all = migrations.flatMap((m) => statementsFor(m.statements, { cluster: CLUSTER }, layout)).map(canonical);
      const created = new Set(all.flatMap((s) => [...s.matchAll(/^CREATE TABLE (?:IF NOT EXISTS )?(\w+)/g)].map((m) => m[1])));
      for (const [table, kind] of layout.tables) {
        if (kind === 'global') {
          expect(created.has(`${table}_local`)).toBe(false);
          continue;
        }
        if (table === 'xray_schema_migrations') continue;
        expect(created.has(`${table}_local`), table).toBe(true);
        const distributed = all.find((s) => new RegExp(`^CREATE TABLE (IF NOT EXISTS )?${table} ON CLUSTER`).test(s));
        expect(distributed, table).toBeDefined();
        const key = layout.byExecutionId.has(table) ? 'cityHash64\\(execution_id\\)' : 'rand\\(\\)';
        expect(distributed).toMatch(new RegExp(`ENGINE = Distributed\\(${CLUSTER}, currentDatabase\\(\\), ${table}_local, ${key}\\)`));
      }
    });

    it('points every materialized view from a local table to a local table', () => {
      const views = migrations
        .flatMap((m) => statementsFor(m.statements, { cluster: CLUSTER }, layout))
        .map(canonical)
        .filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
      expect(views.length).toBeGreaterThanOrEqual(2);
      for (const view of views) {
        expect(view).toMatch(/ TO \w+_local/);
        for (const source of view.matchAll(/\bFROM (\w+)/g)) expect(source[1]).toMatch(/_local$/);
      }
    });
  });

  describe('renderForCluster', () => {
    it('alters the local table, and the Distributed table too for column changes only', () => {
      expect(renderForCluster('ALTER TABLE steps ADD COLUMN IF NOT EXISTS x String, ADD INDEX x_bf x TYPE bloom_filter GRANULARITY 1', layout, { cluster: CLUSTER })).toEqual([
        'ALTER TABLE steps_local ON CLUSTER xray ADD COLUMN IF NOT EXISTS x String, ADD INDEX x_bf x TYPE bloom_filter GRANULARITY 1',
        'ALTER TABLE steps ON CLUSTER xray ADD COLUMN IF NOT EXISTS x String',
      ]);
      expect(renderForCluster('ALTER TABLE executions MODIFY TTL toDateTime(start_time) + INTERVAL 7 DAY', layout, { cluster: CLUSTER })).toEqual([
        'ALTER TABLE executions_local ON CLUSTER xray MODIFY TTL toDateTime(start_time) + INTERVAL 7 DAY',
      ]);
      expect(renderForCluster('ALTER TABLE api_keys ADD COLUMN IF NOT EXISTS scopes Array(String)', layout, { cluster: CLUSTER })).toEqual([
        'ALTER TABLE api_keys ON CLUSTER xray ADD COLUMN IF NOT EXISTS scopes Array(String)',
      ]);
    });

    it('drops both halves of a sharded table', () => {
      expect(renderForCluster('DROP TABLE IF EXISTS steps', layout, { cluster: CLUSTER })).toEqual([
        'DROP TABLE IF EXISTS steps ON CLUSTER xray',
        'DROP TABLE IF EXISTS steps_local ON CLUSTER xray',
      ]);
    });

    it('runs a backfill INSERT … SELECT once, unchanged, through the Distributed tables', () => {
      const backfill = 'INSERT INTO execution_days SELECT DISTINCT app_id, execution_id, toDate(start_time) FROM steps';
      expect(renderForCluster(backfill, layout, { cluster: CLUSTER })).toEqual([backfill]);
    });

    it('refuses what it cannot render, naming the statement', () => {
      expect(() => renderForCluster('INSERT INTO apps VALUES (1)', layout, { cluster: CLUSTER })).toThrow(ClusterDdlError);
      expect(() => renderForCluster('CREATE MATERIALIZED VIEW v ENGINE = MergeTree ORDER BY x AS SELECT 1 AS x', layout, { cluster: CLUSTER })).toThrow(
        /TO <table>/,
      );
      expect(() => renderForCluster('ALTER TABLE steps DELETE WHERE 1', layout, { cluster: 'bad name' })).toThrow(/not an identifier/);
    });

    it('keeps a replicated engine\'s own arguments after the Keeper path and replica', () => {
      const own = planClusterLayout(['CREATE TABLE t (k String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k']);
      expect(renderForCluster('CREATE TABLE t (k String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k', own, { cluster: 'c' })).toEqual([
        "CREATE TABLE t ON CLUSTER c (k String, v UInt64) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/global/{database}/t', '{replica}', v) ORDER BY k",
      ]);
    });
  });

  describe('storageTable', () => {
    it('names the local table in cluster mode and the table itself otherwise', () => {
      expect(storageTable('executions', layout)).toBe('executions_local');
      expect(storageTable('apps', layout)).toBe('apps');
      expect(storageTable('executions', undefined)).toBe('executions');
    });
  });

  describe('splitTopLevel', () => {
    it('splits at commas outside brackets and quotes', () => {
      expect(splitTopLevel("a Map(String, String), b String DEFAULT 'x,y', c Array(Tuple(a, b))")).toEqual([
        'a Map(String, String)',
        "b String DEFAULT 'x,y'",
        'c Array(Tuple(a, b))',
      ]);
    });
  });
});
