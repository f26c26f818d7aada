/** The per-app retention settings (`app_retention`, migration 0072): read, set, reset, list. */
import type { ClickHouseBackend } from '../store/index.js';

export interface AppRetention {
  appId: string;
  days: number;
}

export interface RetentionRepository {
  /** The app's own retention in days, or undefined when it follows the global one. */
  get(appId: string): Promise<number | undefined>;
  /** Sets the app's retention; 0 returns it to the global one. */
  set(appId: string, days: number): Promise<void>;
  /** Every app with a retention of its own. */
  list(): Promise<AppRetention[]>;
}

let lastVersion = 0;
const nextVersion = () => (lastVersion = Math.max(lastVersion + 1, Date.now() * 1000));

export function createRetentionRepository(backend: ClickHouseBackend): RetentionRepository {
  return {
    async get(appId) {
      const rows = await backend.query<{ days: number }>('SELECT days FROM app_retention FINAL WHERE app_id = {appId:String}', { appId });
      const days = Number(rows[0]?.days ?? 0);
      return days > 0 ? days : undefined;
    },
    async set(appId, days) {
      await backend.insert('app_retention', [{ app_id: appId, days, version: nextVersion() }]);
    },
    async list() {
      const rows = await backend.query<{ app_id: string; days: number }>('SELECT app_id, days FROM app_retention FINAL WHERE days > 0 ORDER BY app_id');
      return rows.map((row) => ({ appId: row.app_id, days: Number(row.days) }));
    },
  };
}
