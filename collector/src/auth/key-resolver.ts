/**
 * Turns an API key into who is calling (its app, display prefix and scopes),
 * with a small cache so that every OTLP request does not cost a ClickHouse
 * lookup. Unknown keys are cached too (briefly), and lookups that miss the
 * cache share one token bucket: a flood of made-up keys (each a cache miss)
 * gets 429 instead of turning into as many ClickHouse queries. While that
 * bucket is empty, a known key whose cache entry just expired keeps its last
 * answer rather than being refused, for at most one more TTL.
 *
 * The TTL is the bound on a revocation made through another collector:
 * collectors share nothing but ClickHouse, so each sees a revoked key refused
 * once its cached answer expires (at once in the collector that revoked it).
 */
import { XRayError } from '../errors.js';
import { createTokenBuckets } from '../limits/token-buckets.js';
import type { RateLimit } from '../store/index.js';
import { hashApiKey, isApiKeyShaped } from './api-key.js';
import { toScopes } from './scopes.js';
import type { Scope } from './scopes.js';

/** The caller behind a valid key. */
export interface ResolvedKey {
  appId: string;
  /** The key's display prefix (`xr_AbCd1234`): safe to log, names the key in limits and metrics. */
  keyPrefix: string;
  scopes: readonly Scope[];
}

/** What the store returns for an active key (scopes as stored). */
export interface KeyLookupResult {
  appId: string;
  keyPrefix: string;
  scopes: readonly string[];
}

export interface KeyResolverOptions {
  lookup: (keyHash: string) => Promise<KeyLookupResult | undefined>;
  /** How long a found key is trusted without asking the store again; 30 s when omitted. */
  knownTtlMillis?: number;
  /** How long an unknown key stays unknown; 5 s, and never longer than knownTtlMillis, when omitted. */
  unknownTtlMillis?: number;
  maxEntries?: number;
  /** Store lookups (cache misses) allowed, for all callers together; 200/s, burst 1,000 when omitted. */
  lookupLimit?: RateLimit;
  /** Told when a lookup was refused because the budget was spent. */
  onLookupThrottled?: () => void;
  now?: () => number;
}

export interface KeyResolver {
  /**
   * The caller for a key, or undefined when the key is unknown or revoked.
   * Throws XRAY_ERR_RATE_LIMITED when the key needs a lookup and the lookup budget is spent.
   */
  resolve(key: string): Promise<ResolvedKey | undefined>;
  /** Forgets everything cached (after a key is revoked through this process). */
  invalidate(): void;
}

/**
 * @example
 * const keys = createKeyResolver({ lookup: (hash) => store.apps.findKeyByHash(hash) });
 * const caller = await keys.resolve('xr_...'); // { appId, keyPrefix, scopes } | undefined
 */
export function createKeyResolver(options: KeyResolverOptions): KeyResolver {
  const knownTtl = options.knownTtlMillis ?? 30_000;
  const unknownTtl = options.unknownTtlMillis ?? Math.min(5_000, knownTtl);
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const lookupLimit = options.lookupLimit ?? { requestsPerSecond: 200, burst: 1_000 };
  const lookups = createTokenBuckets({ now });
  const cache = new Map<string, { key: ResolvedKey | undefined; expiresAt: number }>();
  // Bumped by invalidate(): a lookup that started before a revocation must
  // not put the revoked key back into the cache when it finishes.
  let generation = 0;

  return {
    async resolve(key) {
      if (!isApiKeyShaped(key)) return undefined;
      const keyHash = hashApiKey(key);
      const hit = cache.get(keyHash);
      if (hit && hit.expiresAt > now()) return hit.key;
      if (!lookups.take([{ id: 'lookups', limit: lookupLimit }]).allowed) {
        // Stale by at most one TTL, so a revocation still lands within 2 x TTL under a flood.
        if (hit?.key && hit.expiresAt + knownTtl > now()) return hit.key;
        options.onLookupThrottled?.();
        throw new XRayError('XRAY_ERR_RATE_LIMITED', 'Too many requests with keys this collector has not seen recently; retry later');
      }
      const startedIn = generation;
      const found = await options.lookup(keyHash);
      const resolved = found && { appId: found.appId, keyPrefix: found.keyPrefix, scopes: toScopes(found.scopes) };
      if (startedIn !== generation) return resolved;
      if (cache.size >= maxEntries) cache.delete(cache.keys().next().value as string);
      cache.set(keyHash, { key: resolved, expiresAt: now() + (resolved ? knownTtl : unknownTtl) });
      return resolved;
    },
    invalidate() {
      generation++;
      cache.clear();
    },
  };
}
