/**
 * The statements deletion sends, in cluster mode and without a cluster. The
 * reads run for real on an embedded ClickHouse holding the migrations' tables
 * (what a deletion counts and which ids it finds); the statements are
 * recorded, parsed with ClickHouse's own parser (formatQuery) and, without a
 * cluster, run. In cluster mode every lightweight DELETE must target the
 * per-shard `<table>_local ON CLUSTER` (ClickHouse has no DELETE on a
 * Distributed table) or, for a global table, the table itself, and must not
 * read another table in its WHERE (a Replicated table refuses such a
 * mutation); the non-cluster statements stay as they were.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/config.js';
import { IDS_PER_DELETE, createDeletionRepository, idChunks } from '../../../src/deletion/deletion-repository.js';
import { openStore } from '../../../src/store/index.js';
import type { ClickHouseBackend, QueryParams, Store } from '../../../src/store/index.js';
import { createEmbeddedBackend } from '../../../src/store/chdb-backend.js';
import { clusterLayoutOf, loadMigrations } from '../../../src/store/migrations.js';

const layout = clusterLayoutOf(loadMigrations(DEFAULT_MIGRATIONS_DIR));
const cluster = { cluster: 'xray', layout };
const MANY = IDS_PER_DELETE * 2 + 5;

describe('deletion/deletion-repository statements', () => {
  let dir: string;
  let store: Store;

  /** The real backend for reads; statements recorded, and run only when `run`. */
  function recording(run: boolean): { backend: ClickHouseBackend; commands: { sql: string; params: QueryParams | undefined }[] } {
    const commands: { sql: string; params: QueryParams | undefined }[] = [];
    const real = store.backend;
    return {
      commands,
      backend: {
        kind: real.kind,
        query: (sql, params, options) => real.query(sql, params, options),
        async command(sql, params) {
          commands.push({ sql, params });
          if (run) await real.command(sql, params);
        },
        insert: (table, rows, options) => real.insert(table, rows, options),
        ping: () => real.ping(),
        close: async () => {},
      },
    };
  }

  /** ClickHouse's canonical text of a statement: throws when it does not parse. */
  async function parsed(sql: string): Promise<string> {
    const rows = await store.backend.query<{ q: string }>('SELECT formatQuerySingleLine({sql:String}) AS q', { sql });
    return rows[0].q;
  }

  async function seed(appId: string, count: number): Promise<void> {
    const now = "now64(9, 'UTC') - INTERVAL 1 HOUR";
    await store.backend.command(
      `INSERT INTO executions (app_id, execution_id, pipeline, status, start_time, end_time, attributes)
SELECT {appId:String}, concat('e-', toString(number)), 'kyc', 'completed', ${now}, ${now}, map('customer.id', 'alice') FROM numbers({count:UInt32})`,
      { appId, count },
    );
    await store.backend.command(
      `INSERT INTO steps (app_id, execution_id, span_id, name, pipeline, status, start_time, end_time)
SELECT {appId:String}, concat('e-', toString(number)), lower(hex(number)), 'check', 'kyc', 'completed', ${now}, ${now} FROM numbers({count:UInt32})`,
      { appId, count },
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-deletion-sql-'));
    store = await openStore({
      backend: createEmbeddedBackend({ dataDir: join(dir, 'clickhouse') }),
      migrationsDir: DEFAULT_MIGRATIONS_DIR,
      batch: { maxBatchRows: 1000, maxWaitMillis: 5, maxPendingRows: 100_000 },
    });
    await seed('erase-me', MANY);
    await seed('keep-me', 3);
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('in cluster mode', () => {
    it('deletes matching executions from the per-shard tables ON CLUSTER, with their ids bound in chunks', async () => {
      const { backend, commands } = recording(false);
      const counts = await createDeletionRepository(backend, { cluster }).deleteExecutions('erase-me', { attribute: { key: 'customer.id', value: 'alice' } });
      expect(counts).toEqual({ executions: MANY, steps: MANY, scores: 0 });

      const deletes = commands.filter((c) => c.sql.startsWith('DELETE'));
      for (const { sql } of deletes) {
        const canonical = await parsed(sql);
        // The hourly counts are a global table (one replica of it on every node): one DELETE reaches them all.
        expect(canonical, sql).toMatch(/^DELETE FROM ((\w+)_local ON CLUSTER xray|pipeline_counts_1h) WHERE /);
        // A mutation of a Replicated table must not read another table.
        expect(canonical, sql).not.toMatch(/\bSELECT\b/i);
      }
      const targets = deletes.map((c) => /^DELETE FROM (\w+)/.exec(c.sql)![1]);
      // Scores, steps and business keys in three chunks (ids bound, every id once), then the executions by the filter itself.
      expect(targets).toEqual([
        'scores_local', 'steps_local', 'business_key_index_local', 'scores_local', 'steps_local', 'business_key_index_local',
        'scores_local', 'steps_local', 'business_key_index_local',
        'executions_local', 'pipeline_stats_1m_local', 'pipeline_stats_1h_local', 'pipeline_counts_1h', 'step_stats_1h_local',
      ]);
      expect(layout.tables.get('pipeline_counts_1h')).toBe('global');
      const chunks = deletes.filter((c) => c.sql.startsWith('DELETE FROM steps_local')).map((c) => c.params!.ids as string[]);
      expect(chunks.map((ids) => ids.length)).toEqual([IDS_PER_DELETE, IDS_PER_DELETE, 5]);
      expect(new Set(chunks.flat()).size).toBe(MANY);
      // Rollups are rebuilt through the Distributed tables, like every insert.
      const inserts = commands.filter((c) => c.sql.startsWith('INSERT'));
      expect(inserts.map((c) => /^INSERT INTO (\w+)/.exec(c.sql)![1])).toEqual(['pipeline_stats_1m', 'pipeline_stats_1h', 'pipeline_counts_1h', 'step_stats_1h']);
      for (const { sql } of inserts) expect(await parsed(sql)).not.toMatch(/_local|ON CLUSTER/);
    });

    it('deletes one execution by id without reading its ids first', async () => {
      const { backend, commands } = recording(false);
      await createDeletionRepository(backend, { cluster }).deleteExecutions('erase-me', { executionId: 'e-7' }, { keepRollups: true });
      expect(commands.map((c) => c.sql.split(' WHERE')[0])).toEqual([
        'DELETE FROM scores_local ON CLUSTER xray',
        'DELETE FROM steps_local ON CLUSTER xray',
        'DELETE FROM business_key_index_local ON CLUSTER xray',
        'DELETE FROM executions_local ON CLUSTER xray',
      ]);
      for (const { sql } of commands) expect(await parsed(sql)).not.toMatch(/\bSELECT\b/i);
    });

    it('deletes an app from the per-shard tables ON CLUSTER and from the global tables once', async () => {
      const { backend, commands } = recording(false);
      await createDeletionRepository(backend, { cluster }).deleteApp('erase-me');
      const targets = await Promise.all(commands.map(async (c) => /^DELETE FROM (\w+(?: ON CLUSTER \w+)?) WHERE/.exec(await parsed(c.sql))![1]));
      expect(targets).toEqual([
        'api_keys',
        'scores_local ON CLUSTER xray',
        'steps_local ON CLUSTER xray',
        'business_key_index_local ON CLUSTER xray',
        'executions_local ON CLUSTER xray',
        'pipeline_stats_1m_local ON CLUSTER xray',
        'pipeline_stats_1h_local ON CLUSTER xray',
        'pipeline_counts_1h',
        'step_stats_1h_local ON CLUSTER xray',
        'app_settings',
        'app_signing_secrets',
        'app_retention',
        'webhooks',
        'webhook_deliveries',
        'apps',
      ]);
      for (const global of ['api_keys', 'apps', 'app_settings', 'app_signing_secrets', 'app_retention', 'webhooks', 'webhook_deliveries']) expect(layout.tables.get(global)).toBe('global');
    });
  });

  describe('idChunks', () => {
    it('cuts by count and by bytes, keeping every id once and in order', () => {
      const short = Array.from({ length: 4001 }, (_, i) => `id-${i}`);
      expect(idChunks(short).map((c) => c.length)).toEqual([IDS_PER_DELETE, IDS_PER_DELETE, 1]);
      const long = Array.from({ length: 1000 }, (_, i) => `${'x'.repeat(250)}${i}`);
      const chunks = idChunks(long);
      expect(chunks.length).toBeGreaterThan(1);
      for (const chunk of chunks) expect(chunk.reduce((sum, id) => sum + id.length, 0)).toBeLessThanOrEqual(128 * 1024);
      expect(chunks.flat()).toEqual(long);
    });
  });

  describe('without a cluster', () => {
    it('deletes from the tables themselves, steps and scores through a subquery, as before; and the rows are gone', async () => {
      const { backend, commands } = recording(true);
      const counts = await createDeletionRepository(backend).deleteExecutions('erase-me', { attribute: { key: 'customer.id', value: 'alice' } });
      expect(counts).toEqual({ executions: MANY, steps: MANY, scores: 0 });
      const deletes = commands.filter((c) => c.sql.startsWith('DELETE'));
      expect(deletes.map((c) => /^DELETE FROM (\w+)/.exec(c.sql)![1])).toEqual(['scores', 'steps', 'business_key_index', 'executions', 'pipeline_stats_1m', 'pipeline_stats_1h', 'pipeline_counts_1h', 'step_stats_1h']);
      for (const { sql } of commands) expect(await parsed(sql)).not.toMatch(/_local|ON CLUSTER/);
      for (const { sql } of deletes.slice(0, 2)) expect(sql).toContain('execution_id IN (SELECT execution_id FROM executions WHERE');
      const left = await store.backend.query<{ app_id: string; n: string }>(
        "SELECT app_id, toString(count()) AS n FROM steps WHERE app_id IN ('erase-me', 'keep-me') GROUP BY app_id ORDER BY app_id",
      );
      expect(left).toEqual([{ app_id: 'keep-me', n: '3' }]);
    });
  });
});
