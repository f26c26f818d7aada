/**
 * The baseline engine: a chDB Session in the bench process, on its own
 * temporary folder, with the collector's own migrations applied by the
 * collector's own migration code. Same engine build, same schema as the
 * collector under test, and nothing else between the rows and the engine.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import { DEFAULT_MIGRATIONS_DIR } from '../../collector/dist/config.js';
import { insertFromFileSql } from '../../collector/dist/store/chdb-backend.js';
import { applyMigrations, loadMigrations } from '../../collector/dist/store/migrations.js';
import { createTempDir } from './cleanup.js';

/**
 * @typedef {object} RawEngine
 * @property {(table: string, encoded: { columns: string[], payload: Buffer }) => Promise<void>} insertPayload one INSERT of a
 *   JSONCompactEachRow payload (what the collector writes every table but `executions` and `steps` in)
 * @property {(table: string, encoded: { columns: string[], payload: Buffer }) => Promise<void>} insertNative one INSERT of
 *   Native blocks, staged as a file (`FROM INFILE`), as the collector's embedded backend inserts `executions` and `steps`
 * @property {(table: string, encoded: { columns: string[], payload: Buffer }) => Promise<{ columns: string[], payload: Buffer }>} exactNative
 *   the rows of a JSONCompactEachRow payload as the engine's own Native block of the table's exact column types
 *   (LowCardinality, DateTime64 as Int64, ...): the fastest form an insert of them can take
 * @property {(sql: string) => Promise<Record<string, unknown>[]>} query
 * @property {() => void} close closes the session and removes its folder
 */

/**
 * Opens a fresh engine with the X-Ray schema. Only one may be open at a time
 * in a process (chDB binds one data folder per process).
 *
 * @returns {Promise<RawEngine>}
 */
export async function openRawEngine() {
  const dir = createTempDir('baseline');
  const session = new Session(dir.path);
  const query = async (sql) => {
    const text = (await session.queryAsync(sql, { format: 'JSONEachRow' })).text();
    return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
  };
  // The ClickHouseBackend subset applyMigrations uses, over this session.
  const migrationBackend = {
    kind: 'embedded',
    query: (sql) => query(sql),
    command: async (sql) => {
      await session.queryAsync(sql);
    },
    insert: async (table, rows) => {
      const payload = rows.map((row) => JSON.stringify(row)).join('\n');
      await session.insert({ table, values: Buffer.from(payload), format: 'JSONEachRow' });
    },
    ping: async () => true,
    close: async () => {},
  };
  await applyMigrations(migrationBackend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
  const staging = createTempDir('native', '/dev/shm');
  let staged = 0;
  return {
    async insertPayload(table, encoded) {
      if (encoded.payload.length === 0) return;
      await session.insert({ table, values: encoded.payload, format: 'JSONCompactEachRow', columns: encoded.columns });
    },
    async insertNative(table, encoded) {
      const file = join(staging.path, `${(staged += 1)}.native`);
      writeFileSync(file, encoded.payload);
      try {
        await session.queryAsync(insertFromFileSql(table, encoded.columns, file));
      } finally {
        rmSync(file, { force: true });
      }
    },
    async exactNative(table, encoded) {
      const scratch = `exact_native_${table}`;
      await session.queryAsync(`CREATE TABLE IF NOT EXISTS ${scratch} AS ${table} ENGINE = Memory`);
      await session.queryAsync(`TRUNCATE TABLE ${scratch}`);
      await session.insert({ table: scratch, values: encoded.payload, format: 'JSONCompactEachRow', columns: encoded.columns });
      const result = await session.queryAsync(`SELECT ${encoded.columns.join(', ')} FROM ${scratch}`, { format: 'Native' });
      return { columns: encoded.columns, payload: Buffer.from(result.bytes()) };
    },
    query,
    close() {
      session.close();
      dir.remove();
      staging.remove();
    },
  };
}
