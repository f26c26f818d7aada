/**
 * Persistence of the apps' signing secrets (table `app_signing_secrets`,
 * migration 0017). Secrets arrive here already sealed (encrypted by
 * auth/secret-box.ts): like keys, the store never sees one in clear.
 */
import { nextVersion } from './apps.js';
import type { ClickHouseBackend } from './backend.js';

export interface SigningSecretRecord {
  appId: string;
  secretPrefix: string;
  /** The encrypted secret. */
  sealed: string;
  createdAt: string;
}

export interface SigningSecretsRepository {
  add(input: { appId: string; secretPrefix: string; sealed: string }): Promise<void>;
  /** The app's active (not revoked) secrets, oldest first. */
  listActive(appId: string): Promise<SigningSecretRecord[]>;
  /** Revokes the app's active secrets with this prefix; returns how many. */
  revoke(appId: string, secretPrefix: string): Promise<number>;
}

interface SecretRow {
  app_id: string;
  secret_prefix: string;
  sealed: string;
  created_at: string;
}

export function createSigningSecretsRepository(backend: ClickHouseBackend): SigningSecretsRepository {
  const listActive = async (appId: string, secretPrefix?: string) =>
    backend.query<SecretRow>(
      `SELECT app_id, secret_prefix, sealed, toString(created_at) AS created_at
       FROM app_signing_secrets FINAL
       WHERE app_id = {appId:String} AND revoked = 0 ${secretPrefix === undefined ? '' : 'AND secret_prefix = {secretPrefix:String}'}
       ORDER BY created_at, secret_prefix`,
      secretPrefix === undefined ? { appId } : { appId, secretPrefix },
    );
  return {
    async add({ appId, secretPrefix, sealed }) {
      await backend.insert('app_signing_secrets', [
        { app_id: appId, secret_prefix: secretPrefix, sealed, revoked: 0, version: nextVersion() },
      ]);
    },
    async listActive(appId) {
      const rows = await listActive(appId);
      return rows.map((row) => ({ appId: row.app_id, secretPrefix: row.secret_prefix, sealed: row.sealed, createdAt: row.created_at }));
    },
    async revoke(appId, secretPrefix) {
      const rows = await listActive(appId, secretPrefix);
      if (rows.length === 0) return 0;
      await backend.insert(
        'app_signing_secrets',
        rows.map((row) => ({ ...row, revoked: 1, version: nextVersion() })),
      );
      return rows.length;
    },
  };
}
