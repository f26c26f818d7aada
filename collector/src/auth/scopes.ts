/**
 * What an API key may do. `ingest` sends spans (POST /v1/traces); `read`
 * uses the query API (/api/v1, except /admin, which needs the admin token);
 * `webhooks` manages the app's alert webhooks (/api/v1/webhooks), which make
 * the collector POST to a URL of the key holder's choosing, so it is never
 * granted unless asked for. Keys issued before scopes existed carry
 * `ingest` and `read`.
 */

export const SCOPES = ['ingest', 'read', 'webhooks'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a key gets when nobody chose: `ingest` and `read`, as every key had before scopes. */
export const DEFAULT_SCOPES: readonly Scope[] = ['ingest', 'read'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/**
 * Keeps the scopes the collector knows, once each, in a fixed order; a stored
 * value it does not know (written by a newer version) grants nothing.
 *
 * @example
 * toScopes(['read', 'ingest', 'read', 'admin']); // ['ingest', 'read']
 */
export function toScopes(values: readonly string[]): Scope[] {
  return SCOPES.filter((scope) => values.includes(scope));
}
