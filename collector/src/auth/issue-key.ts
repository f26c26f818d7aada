/**
 * Issuing an API key: the one place a clear key becomes what is stored (its
 * SHA-256 and a display prefix). Used by start-up (the default app) and by
 * the admin routes.
 */
import type { AppsRepository } from '../store/index.js';
import { generateApiKey, hashApiKey, keyDisplayPrefix } from './api-key.js';
import { DEFAULT_SCOPES } from './scopes.js';
import type { Scope } from './scopes.js';

/**
 * Stores `apiKey` (a new random key when omitted) for `appId`, hashed, with
 * its scopes (both `ingest` and `read` unless chosen), and returns the key in clear with its display prefix: the only time it exists
 * outside the caller's hands.
 *
 * @example
 * const { apiKey } = await issueApiKey(store.apps, 'fraud-service', 'ci');
 */
export async function issueApiKey(
  apps: Pick<AppsRepository, 'addKey'>,
  appId: string,
  name: string,
  apiKey: string = generateApiKey(),
  scopes: readonly Scope[] = DEFAULT_SCOPES,
): Promise<{ apiKey: string; keyPrefix: string; scopes: Scope[] }> {
  const keyPrefix = keyDisplayPrefix(apiKey);
  await apps.addKey({ keyHash: hashApiKey(apiKey), keyPrefix, appId, name, scopes: [...scopes] });
  return { apiKey, keyPrefix, scopes: [...scopes] };
}
