/**
 * Persistence of apps (tenants) and API keys. Keys arrive here already
 * hashed: the store never sees a key in clear.
 */
import type { ClickHouseBackend } from './backend.js';

export interface AppRecord {
  appId: string;
  name: string;
  createdAt: string;
  /** Custom fields (migration 0071): what the app is, who owns it, labels such as team=risk. */
  description: string;
  owner: string;
  labels: Record<string, string>;
}

/** The fields of an app an operator sets; those left out keep their value. */
export interface AppFields {
  name?: string;
  description?: string;
  owner?: string;
  labels?: Record<string, string>;
}

export interface ApiKeyRecord {
  keyPrefix: string;
  appId: string;
  name: string;
  createdAt: string;
  revoked: boolean;
  /** What the key may do (`ingest`, `read`); see auth/scopes.ts. */
  scopes: string[];
}

/** An active key as the resolver needs it. */
export interface ActiveKeyRecord {
  appId: string;
  keyPrefix: string;
  scopes: string[];
}

export interface AppsRepository {
  createApp(appId: string, name: string, fields?: Omit<AppFields, 'name'>): Promise<AppRecord>;
  /** Changes the given fields of an app; undefined when there is no such app. */
  updateApp(appId: string, fields: AppFields): Promise<AppRecord | undefined>;
  getApp(appId: string): Promise<AppRecord | undefined>;
  listApps(): Promise<AppRecord[]>;
  addKey(input: { keyHash: string; keyPrefix: string; appId: string; name: string; scopes: readonly string[] }): Promise<void>;
  listKeys(appId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the app's keys whose prefix matches; returns how many were revoked. */
  revokeKeys(appId: string, keyPrefix: string): Promise<number>;
  /** The app a (hashed) key belongs to, if the key exists and is not revoked. */
  findAppIdByKeyHash(keyHash: string): Promise<string | undefined>;
  /** The app, display prefix and scopes of a (hashed) key, if it exists and is not revoked. */
  findKeyByHash(keyHash: string): Promise<ActiveKeyRecord | undefined>;
}

let lastVersion = 0;
/** Strictly increasing row versions for ReplacingMergeTree, even within one millisecond. */
export function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

interface AppRow {
  app_id: string;
  name: string;
  created_at: string;
  description: string;
  owner: string;
  labels: Record<string, string>;
}

const APP_COLUMNS = 'app_id, name, toString(created_at) AS created_at, description, owner, labels';

interface KeyRow {
  key_hash: string;
  key_prefix: string;
  app_id: string;
  name: string;
  created_at: string;
  revoked: number;
  scopes: string[];
}

const toApp = (row: AppRow): AppRecord => ({
  appId: row.app_id,
  name: row.name,
  createdAt: row.created_at,
  description: row.description,
  owner: row.owner,
  labels: row.labels,
});

export function createAppsRepository(backend: ClickHouseBackend): AppsRepository {
  return {
    async createApp(appId, name, fields = {}) {
      await backend.insert('apps', [
        {
          app_id: appId,
          name,
          description: fields.description ?? '',
          owner: fields.owner ?? '',
          labels: fields.labels ?? {},
          version: nextVersion(),
        },
      ]);
      const app = await this.getApp(appId);
      if (!app) throw new Error(`App ${appId} was inserted but cannot be read back`);
      return app;
    },
    async getApp(appId) {
      const rows = await backend.query<AppRow>(`SELECT ${APP_COLUMNS} FROM apps FINAL WHERE app_id = {appId:String}`, { appId });
      return rows[0] ? toApp(rows[0]) : undefined;
    },
    async updateApp(appId, fields) {
      const current = await this.getApp(appId);
      if (!current) return undefined;
      // A new version of the whole row; created_at is carried over as it was.
      await backend.insert('apps', [
        {
          app_id: appId,
          name: fields.name ?? current.name,
          created_at: current.createdAt,
          description: fields.description ?? current.description,
          owner: fields.owner ?? current.owner,
          labels: fields.labels ?? current.labels,
          version: nextVersion(),
        },
      ]);
      return this.getApp(appId);
    },
    async listApps() {
      const rows = await backend.query<AppRow>(`SELECT ${APP_COLUMNS} FROM apps FINAL ORDER BY app_id`);
      return rows.map(toApp);
    },
    async addKey({ keyHash, keyPrefix, appId, name, scopes }) {
      await backend.insert('api_keys', [
        { key_hash: keyHash, key_prefix: keyPrefix, app_id: appId, name, revoked: 0, scopes, version: nextVersion() },
      ]);
    },
    async listKeys(appId) {
      const rows = await backend.query<KeyRow>(
        `SELECT key_prefix, app_id, name, toString(created_at) AS created_at, revoked, scopes
         FROM api_keys FINAL WHERE app_id = {appId:String} ORDER BY created_at`,
        { appId },
      );
      return rows.map((row) => ({
        keyPrefix: row.key_prefix,
        appId: row.app_id,
        name: row.name,
        createdAt: row.created_at,
        revoked: Number(row.revoked) === 1,
        scopes: row.scopes,
      }));
    },
    async revokeKeys(appId, keyPrefix) {
      const rows = await backend.query<KeyRow>(
        `SELECT key_hash, key_prefix, app_id, name, created_at, revoked, scopes FROM api_keys FINAL
         WHERE app_id = {appId:String} AND key_prefix = {keyPrefix:String} AND revoked = 0`,
        { appId, keyPrefix },
      );
      if (rows.length === 0) return 0;
      await backend.insert(
        'api_keys',
        rows.map((row) => ({ ...row, revoked: 1, version: nextVersion() })),
      );
      return rows.length;
    },
    async findAppIdByKeyHash(keyHash) {
      const rows = await backend.query<{ app_id: string; revoked: number }>(
        'SELECT app_id, revoked FROM api_keys FINAL WHERE key_hash = {keyHash:String}',
        { keyHash },
      );
      const row = rows[0];
      return row && Number(row.revoked) === 0 ? row.app_id : undefined;
    },
    async findKeyByHash(keyHash) {
      const rows = await backend.query<{ app_id: string; key_prefix: string; revoked: number; scopes: string[] }>(
        'SELECT app_id, key_prefix, revoked, scopes FROM api_keys FINAL WHERE key_hash = {keyHash:String}',
        { keyHash },
      );
      const row = rows[0];
      return row && Number(row.revoked) === 0 ? { appId: row.app_id, keyPrefix: row.key_prefix, scopes: row.scopes } : undefined;
    },
  };
}
