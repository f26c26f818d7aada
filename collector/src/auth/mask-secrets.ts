/**
 * Masks anything shaped like a whole API key (`xr_` + 16 or more characters)
 * or an admin token (`xradm_…`) in free text, such as a URL someone pasted a
 * key into, before it is logged or audited: a key keeps its display prefix,
 * a token only its kind.
 */
import { keyDisplayPrefix } from './api-key.js';

const WHOLE_KEY = /xr_[A-Za-z0-9_-]{16,}/g;
const ADMIN_TOKEN = /xradm_[A-Za-z0-9_-]+/g;

/**
 * @example
 * maskSecrets('/api/v1/admin/apps/a/keys/xr_AbCdEfGh0123456789') // '/api/v1/admin/apps/a/keys/xr_AbCdEfGh…'
 */
export function maskSecrets(text: string): string {
  return text.replace(ADMIN_TOKEN, 'xradm_…').replace(WHOLE_KEY, (key) => `${keyDisplayPrefix(key)}…`);
}
