/**
 * The baseline engine: a chDB Session in the bench process, on its own
 * temporary folder, with the collector's own migrations applied by the
 * collector's own migration code. Same engine build, same schema as the
 * collector under test, and nothing else between the rows and the engine.
 */
import { Session } from 'chdb';
import { DEFAULT_MIGRATIONS_DIR } from '../../collector/dist/config.js';
import { applyMigrations, loadMigrations } from '../../collector/dist/store/migrations.js';
import { createTempDir } from './cleanup.js';

/**
 * @typedef {object} RawEngine
 * @property {(table: string, encoded: { columns: string[], payload: Buffer }) => Promise<void>} insertPayload one INSERT of a
 *   JSONCompactEachRow payload (the collector's encoding)
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
  return {
    async insertPayload(table, encoded) {
      if (encoded.payload.length === 0) return;
      await session.insert({ table, values: encoded.payload, format: 'JSONCompactEachRow', columns: encoded.columns });
    },
    query,
    close() {
      session.close();
      dir.remove();
    },
  };
}
