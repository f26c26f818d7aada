/**
 * The apps' signing secrets as the collector uses them: issued here (the one
 * place a new secret exists in clear before the reply that shows it once),
 * sealed with the master key before they reach the store, opened and cached
 * per app for verification, at most two active per app (old and new, for
 * rotation).
 */
import { randomBytes } from 'node:crypto';
import type { SigningSecretsRepository } from '../store/index.js';
import { createAppCache } from '../store/app-cache.js';
import type { SecretBox } from './secret-box.js';

export const SIGNING_SECRET_PREFIX = 'xrs_';
/** Characters of a secret kept in clear to tell secrets apart (`xrs_` + 8). */
export const SIGNING_SECRET_DISPLAY_LENGTH = 12;
export const MAX_ACTIVE_SIGNING_SECRETS = 2;

export interface SigningSecretInfo {
  secretPrefix: string;
  createdAt: string;
}

export interface SigningKeyring {
  /** A new secret for the app, or undefined when it already has the maximum. */
  issue(appId: string): Promise<{ secret: string; secretPrefix: string } | undefined>;
  list(appId: string): Promise<SigningSecretInfo[]>;
  revoke(appId: string, secretPrefix: string): Promise<number>;
  /** The app's active secrets in clear, for verification (cached). */
  activeSecrets(appId: string): Promise<string[]>;
}

export interface SigningKeyringOptions {
  repository: SigningSecretsRepository;
  box: SecretBox;
  /** Told when a stored secret cannot be opened (wrong master key, altered row); it is then skipped. */
  onUnreadable?: (appId: string, secretPrefix: string, error: unknown) => void;
  cacheTtlMillis?: number;
}

const contextOf = (appId: string, secretPrefix: string) => `${appId}\u0000${secretPrefix}`;

/**
 * @example
 * const keyring = createSigningKeyring({ repository: store.signingSecrets, box: createSecretBox(masterKey) });
 * const { secret } = (await keyring.issue('checkout'))!; // shown to the operator once
 */
export function createSigningKeyring(options: SigningKeyringOptions): SigningKeyring {
  const { repository, box } = options;
  const cache = createAppCache({
    ttlMillis: options.cacheTtlMillis,
    load: async (appId) => {
      const secrets: string[] = [];
      for (const record of await repository.listActive(appId)) {
        try {
          secrets.push(box.open(record.sealed, contextOf(appId, record.secretPrefix)));
        } catch (error) {
          options.onUnreadable?.(appId, record.secretPrefix, error);
        }
      }
      return secrets;
    },
  });

  return {
    async issue(appId) {
      if ((await repository.listActive(appId)).length >= MAX_ACTIVE_SIGNING_SECRETS) return undefined;
      const secret = SIGNING_SECRET_PREFIX + randomBytes(32).toString('base64url');
      const secretPrefix = secret.slice(0, SIGNING_SECRET_DISPLAY_LENGTH);
      await repository.add({ appId, secretPrefix, sealed: box.seal(secret, contextOf(appId, secretPrefix)) });
      cache.invalidate(appId);
      return { secret, secretPrefix };
    },
    async list(appId) {
      return (await repository.listActive(appId)).map(({ secretPrefix, createdAt }) => ({ secretPrefix, createdAt }));
    },
    async revoke(appId, secretPrefix) {
      const revoked = await repository.revoke(appId, secretPrefix);
      cache.invalidate(appId);
      return revoked;
    },
    activeSecrets: (appId) => cache.get(appId),
  };
}
