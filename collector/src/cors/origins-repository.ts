/**
 * The `app_cors_origins` table: each app's list of browser origins allowed to
 * POST spans. Parameterized SQL only; reads use FINAL so a replaced list never
 * shows twice.
 */
import type { ClickHouseBackend } from '../store/index.js';

export interface OriginsRepository {
  /** Every app's allowed origins (apps with none are left out). */
  listAll(): Promise<Map<string, string[]>>;
  /** The app's allowed origins (empty when none). */
  get(appId: string): Promise<string[]>;
  /** Replaces the app's allowed origins; an empty list allows none. */
  set(appId: string, origins: readonly string[]): Promise<void>;
}

let lastVersion = 0;
/** Strictly increasing versions, even for two writes in one millisecond. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/**
 * @example
 * const origins = createOriginsRepository(store.backend);
 * await origins.set('shop', ['https://shop.example']);
 */
export function createOriginsRepository(backend: ClickHouseBackend): OriginsRepository {
  return {
    async listAll() {
      const rows = await backend.query<{ app_id: string; origins: string[] }>(
        'SELECT app_id, origins FROM app_cors_origins FINAL WHERE notEmpty(origins)',
      );
      return new Map(rows.map((row) => [row.app_id, row.origins]));
    },
    async get(appId) {
      const rows = await backend.query<{ origins: string[] }>(
        'SELECT origins FROM app_cors_origins FINAL WHERE app_id = {appId:String}',
        { appId },
      );
      return rows[0]?.origins ?? [];
    },
    async set(appId, origins) {
      await backend.insert('app_cors_origins', [{ app_id: appId, origins: [...origins], version: nextVersion() }]);
    },
  };
}
