/**
 * A small per-app cache for what every request of an app needs (its
 * settings, its signing secrets): looked up once, kept for a TTL, forgotten
 * at once when this process changes it. A change made by another collector
 * process is seen within the TTL, as for API keys.
 */

export interface AppCacheOptions<T> {
  load: (appId: string) => Promise<T>;
  ttlMillis?: number;
  maxEntries?: number;
  now?: () => number;
}

export interface AppCache<T> {
  get(appId: string): Promise<T>;
  /** Forgets one app (after a change through this process). */
  invalidate(appId: string): void;
}

/**
 * @example
 * const settings = createAppCache({ load: (appId) => store.appSettings.get(appId) });
 * const { signatureRequired } = await settings.get('checkout');
 */
export function createAppCache<T>(options: AppCacheOptions<T>): AppCache<T> {
  const ttl = options.ttlMillis ?? 30_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: T; expiresAt: number }>();
  // Per-app generations: a load that started before invalidate() must not
  // put the old value back when it finishes.
  const generations = new Map<string, number>();

  return {
    async get(appId) {
      const hit = cache.get(appId);
      if (hit && hit.expiresAt > now()) return hit.value;
      const startedIn = generations.get(appId) ?? 0;
      const value = await options.load(appId);
      if ((generations.get(appId) ?? 0) !== startedIn) return value;
      if (cache.size >= maxEntries && !cache.has(appId)) cache.delete(cache.keys().next().value as string);
      cache.set(appId, { value, expiresAt: now() + ttl });
      return value;
    },
    invalidate(appId) {
      generations.set(appId, (generations.get(appId) ?? 0) + 1);
      cache.delete(appId);
    },
  };
}
