/**
 * A bounded in-memory cache of FINISHED executions' detail replies (the
 * execution, its steps, its latest scores), keyed by (app, execution id), so
 * reading the same finished execution again costs no ClickHouse statement.
 * A reply is kept as the JSON text the route serialized (and validated) once,
 * so a hit is sent as it is: no validation or serialization per read, which
 * had made a hit cost 1.3-3 ms until the route's code was optimized.
 *
 * Correctness rests on invalidation, not on expiry:
 *  - ingest: `invalidate(appId, executionId)` for every execution any insert
 *    touched (its root or any step, stored or attempted: the batcher's
 *    onFlush), so a late step or a re-delivered root drops the entry;
 *  - scores written through this collector, deletions and retention sweeps
 *    (`invalidateApp`, the whole app: a deletion by filter names no ids);
 *  - a read that was running while its key was invalidated is never stored
 *    (it may have read the rows from before the write);
 *  - the global retention (a TTL dropping day partitions) by `horizonMillis`:
 *    an entry whose execution started before it is a miss;
 *  - `maxAgeMillis` bounds what this process cannot see: rows written through
 *    another collector sharing the ClickHouse server.
 * A second tier (`secondTier`: store/reply-store.ts, replies of settled days
 * on disk) answers a miss here before `load` does, and `invalidate` forgets
 * the execution there too; the returned promise resolves once it has (a
 * write path that must not leave a stale reply on disk awaits it first). A
 * deletion names no ids: the tier checks the days it touched itself.
 * Only `completed` and `failed` executions are kept (a running one changes
 * with every step). Entries never cross apps: the app id is part of the key
 * and the caller's app comes from its key. Least recently used entries go
 * first once the JSON bytes of all entries exceed `maxBytes`.
 */

/** 64 MiB of replies' JSON: ~2,000 executions of 20 steps with 1 KB payloads. */
export const DEFAULT_EXECUTION_CACHE_BYTES = 64 * 1024 * 1024;
/** What another collector writes is seen within this; ingest through this one invalidates at once. */
export const DEFAULT_EXECUTION_CACHE_MAX_AGE_MILLIS = 60_000;

export interface ExecutionCacheOptions {
  /** Upper bound on the summed JSON size of the cached replies; 0 turns the cache off. */
  maxBytes: number;
  /** How long an entry is trusted (rows written by another collector); 0 = no limit. */
  maxAgeMillis: number;
  /** Oldest start time still stored (the global retention), or undefined. */
  horizonMillis?: () => number | undefined;
  /** Replies kept on disk, read after a miss in memory; forgotten with every invalidation. */
  secondTier?: SecondTier;
  now?: () => number;
}

/** A store of replies behind this cache (store/reply-store.ts is one). */
export interface SecondTier {
  get(appId: string, executionId: string): (CachedReply & { startMillis: number }) | undefined;
  forget(appId: string, executionId: string): Promise<void>;
}

/** A detail reply as sent: its JSON text and the rows it carries (for its audit entry). */
export interface CachedReply {
  json: string;
  rows: number;
}

export interface ExecutionCache {
  /**
   * The cached reply, or the one `load` reads (stored when its `finished` says
   * so and no invalidation of the key happened while it was read). `fresh`:
   * always `load` (a client's `Cache-Control: no-cache`), keeping what it reads.
   */
  read(
    appId: string,
    executionId: string,
    load: () => Promise<{ value: CachedReply; startMillis?: number; finished: boolean }>,
    options?: { fresh?: boolean },
  ): Promise<CachedReply>;
  /** Forgets the execution here at once and in the second tier; resolves when the second tier has. */
  invalidate(appId: string, executionId: string): Promise<void>;
  /** Forgets the app's entries in memory (not in the second tier). */
  invalidateApp(appId: string): void;
  /** `hits` in memory, `tierHits` from the second tier, `misses` read by `load`. */
  readonly stats: { hits: number; tierHits: number; misses: number; entries: number; bytes: number };
}

interface Entry {
  value: CachedReply;
  /** When the execution started, ms (for the retention horizon). */
  startMillis: number;
  bytes: number;
  storedAt: number;
}

interface PendingRead {
  appId: string;
  executionId: string;
  stale: boolean;
}

const keyOf = (appId: string, executionId: string) => `${appId}\u0000${executionId}`;

/**
 * @example
 * const cache = createExecutionCache({ maxBytes: 64 << 20, maxAgeMillis: 30_000 });
 * const { json } = await cache.read(appId, id, async () => ({ value: { json: await loadJson(), rows: 20 }, startMillis, finished: true }));
 */
export function createExecutionCache(options: ExecutionCacheOptions): ExecutionCache {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: re-inserting on a hit makes it an LRU.
  const entries = new Map<string, Entry>();
  const pending = new Set<PendingRead>();
  const stats = { hits: 0, tierHits: 0, misses: 0, entries: 0, bytes: 0 };
  const tier = options.secondTier;

  function drop(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    stats.bytes -= entry.bytes;
    stats.entries = entries.size;
  }

  function withinHorizon(startMillis: number): boolean {
    const horizon = options.horizonMillis?.();
    return horizon === undefined || startMillis >= horizon;
  }

  function fresh(entry: Entry): boolean {
    if (options.maxAgeMillis > 0 && now() - entry.storedAt > options.maxAgeMillis) return false;
    return withinHorizon(entry.startMillis);
  }

  function store(key: string, value: CachedReply, startMillis: number): void {
    const bytes = Buffer.byteLength(value.json) + key.length;
    if (bytes > options.maxBytes) return;
    drop(key);
    entries.set(key, { value, startMillis, bytes, storedAt: now() });
    stats.bytes += bytes;
    for (const [oldest] of entries) {
      if (stats.bytes <= options.maxBytes) break;
      drop(oldest);
    }
    stats.entries = entries.size;
  }

  return {
    stats,
    async read(appId, executionId, load, readOptions) {
      const key = keyOf(appId, executionId);
      const entry = options.maxBytes > 0 && !readOptions?.fresh ? entries.get(key) : undefined;
      if (entry && fresh(entry)) {
        entries.delete(key);
        entries.set(key, entry);
        stats.hits += 1;
        return entry.value;
      }
      if (entry) drop(key);
      const kept = readOptions?.fresh ? undefined : tier?.get(appId, executionId);
      if (kept && withinHorizon(kept.startMillis)) {
        stats.tierHits += 1;
        const value = { json: kept.json, rows: kept.rows };
        if (options.maxBytes > 0) store(key, value, kept.startMillis);
        return value;
      }
      stats.misses += 1;
      if (options.maxBytes <= 0) return (await load()).value;
      const read: PendingRead = { appId, executionId, stale: false };
      pending.add(read);
      try {
        const loaded = await load();
        if (loaded.finished && !read.stale && loaded.startMillis !== undefined) store(key, loaded.value, loaded.startMillis);
        return loaded.value;
      } finally {
        pending.delete(read);
      }
    },
    async invalidate(appId, executionId) {
      drop(keyOf(appId, executionId));
      for (const read of pending) if (read.appId === appId && read.executionId === executionId) read.stale = true;
      await tier?.forget(appId, executionId);
    },
    invalidateApp(appId) {
      for (const [key] of entries) if (key.startsWith(`${appId}\u0000`)) drop(key);
      for (const read of pending) if (read.appId === appId) read.stale = true;
    },
  };
}
