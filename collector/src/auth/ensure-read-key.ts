/**
 * XRAY_READ_API_KEY: a read-only key for the default app, chosen by the
 * operator and registered at start-up, so that a deployment can provision
 * Grafana with a key that cannot write (docker-compose.yml does).
 */
import type { AppsRepository } from '../store/index.js';
import { hashApiKey } from './api-key.js';
import { issueApiKey } from './issue-key.js';

/**
 * Registers `apiKey` with the `read` scope only for `appId`, unless it is
 * already; refuses a key that is registered with other scopes or for another
 * app, rather than quietly giving Grafana a key that can write.
 *
 * @example
 * await ensureReadOnlyKey(store.apps, 'default', config.readApiKey);
 */
export async function ensureReadOnlyKey(apps: AppsRepository, appId: string, apiKey: string): Promise<void> {
  const existing = await apps.findKeyByHash(hashApiKey(apiKey));
  if (!existing) {
    await issueApiKey(apps, appId, 'XRAY_READ_API_KEY', apiKey, ['read']);
    return;
  }
  if (existing.appId !== appId || existing.scopes.length !== 1 || existing.scopes[0] !== 'read') {
    throw new Error(
      `XRAY_READ_API_KEY is already a key of app "${existing.appId}" with scopes [${existing.scopes.join(', ')}]; ` +
        `choose a new key so that it can only read app "${appId}"`,
    );
  }
}
