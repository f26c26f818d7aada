/**
 * Turns an API key into the app it belongs to, with a small cache so that
 * every OTLP request does not cost a ClickHouse lookup. Unknown keys are
 * cached too (briefly), so guessing keys cannot load the store.
 */
import { hashApiKey, isApiKeyShaped } from './api-key.js';

export interface KeyResolverOptions {
  lookup: (keyHash: string) => Promise<string | undefined>;
  knownTtlMillis?: number;
  unknownTtlMillis?: number;
  maxEntries?: number;
  now?: () => number;
}

export interface KeyResolver {
  /** The app id for a key, or undefined when the key is unknown or revoked. */
  resolve(key: string): Promise<string | undefined>;
  /** Forgets everything cached (after a key is revoked through this process). */
  invalidate(): void;
}

export function createKeyResolver(options: KeyResolverOptions): KeyResolver {
  const knownTtl = options.knownTtlMillis ?? 30_000;
  const unknownTtl = options.unknownTtlMillis ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { appId: string | undefined; expiresAt: number }>();
  // Bumped by invalidate(): a lookup that started before a revocation must
  // not put the revoked key back into the cache when it finishes.
  let generation = 0;

  return {
    async resolve(key) {
      if (!isApiKeyShaped(key)) return undefined;
      const keyHash = hashApiKey(key);
      const hit = cache.get(keyHash);
      if (hit && hit.expiresAt > now()) return hit.appId;
      const startedIn = generation;
      const appId = await options.lookup(keyHash);
      if (startedIn !== generation) return appId;
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(keyHash, { appId, expiresAt: now() + (appId ? knownTtl : unknownTtl) });
      return appId;
    },
    invalidate() {
      generation++;
      cache.clear();
    },
  };
}
