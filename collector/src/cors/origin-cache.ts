/**
 * The allow-lists, held in memory so a preflight or a browser POST costs no
 * query. The whole table is small (one row per app that allows a browser),
 * so the cache is one snapshot: each app's origins plus their union, the only
 * thing a preflight can be checked against (it carries no key). A change
 * through this collector's admin API refreshes it at once; a change made
 * through another collector is seen within `ttlMillis`.
 */
import type { OriginsRepository } from './origins-repository.js';

export interface OriginSnapshot {
  readonly byApp: ReadonlyMap<string, ReadonlySet<string>>;
  /** Origins allowed for at least one app. */
  readonly anyApp: ReadonlySet<string>;
}

export interface OriginCache {
  snapshot(): Promise<OriginSnapshot>;
  invalidate(): void;
}

/**
 * @example
 * const cache = createOriginCache(repository, { ttlMillis: 10_000 });
 * (await cache.snapshot()).anyApp.has('https://shop.example');
 */
export function createOriginCache(repository: OriginsRepository, options: { ttlMillis: number; now?: () => number }): OriginCache {
  const now = options.now ?? Date.now;
  let current: { snapshot: OriginSnapshot; loadedAt: number } | undefined;
  let loading: Promise<OriginSnapshot> | undefined;
  let generation = 0;

  async function load(): Promise<OriginSnapshot> {
    const started = generation;
    const rows = await repository.listAll();
    const byApp = new Map<string, Set<string>>();
    const anyApp = new Set<string>();
    for (const [appId, origins] of rows) {
      byApp.set(appId, new Set(origins));
      for (const origin of origins) anyApp.add(origin);
    }
    const snapshot = { byApp, anyApp };
    // A write that happened while this load ran must not be overwritten by older rows.
    if (started === generation) current = { snapshot, loadedAt: now() };
    return snapshot;
  }

  return {
    snapshot() {
      if (current !== undefined && now() - current.loadedAt < options.ttlMillis) return Promise.resolve(current.snapshot);
      loading ??= load().finally(() => {
        loading = undefined;
      });
      return loading;
    },
    invalidate() {
      generation++;
      current = undefined;
      loading = undefined;
    },
  };
}
