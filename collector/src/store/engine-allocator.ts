/**
 * The embedded engine's memory allocator. chDB's ClickHouse allocates through
 * its own jemalloc (prefixed `je_`, so it reads `JE_MALLOC_CONF`, not
 * `MALLOC_CONF`), built to keep freed pages ("dirty") for 5 s before giving
 * them back to the OS, and this module reads its statistics for /metrics.
 *
 * The collector leaves the decay as chDB built it. A shorter decay (500 ms)
 * held ~25 MB less under ingest, but every query then faulted its working
 * memory back in: on the 10M dataset the cold timeline took 46.5 ms instead
 * of 31.7, the failure rate 113 instead of 88 (bench/README.md, "Latest
 * figures"). It starts the engine with a smaller per-thread cache of freed
 * blocks instead (launch.ts, `COLLECTOR_ENV`). An operator who prefers
 * memory to latency, or the other way round, sets `JE_MALLOC_CONF` (read
 * once, when the engine's library loads), which replaces the collector's.
 */

/** The variable the engine's jemalloc reads its options from. */
export const ENGINE_ALLOCATOR_ENV = 'JE_MALLOC_CONF';

/** The options chDB's build runs its allocator with, where `JE_MALLOC_CONF` does not set them (the part an operator may change). */
export const ENGINE_BUILD_ALLOCATOR_OPTIONS = 'dirty_decay_ms:5000,muzzy_decay_ms:0,tcache_max:32768';

/**
 * The allocator options in force for an engine started with `env`: chDB's
 * build's, each replaced or joined by `JE_MALLOC_CONF`'s own (jemalloc reads
 * its built-in options first, then the variable's).
 *
 * @example
 * engineAllocatorOptions({}); // 'dirty_decay_ms:5000,muzzy_decay_ms:0,tcache_max:32768'
 * engineAllocatorOptions({ JE_MALLOC_CONF: 'tcache_max:4096' }); // 'dirty_decay_ms:5000,muzzy_decay_ms:0,tcache_max:4096'
 */
export function engineAllocatorOptions(env: NodeJS.ProcessEnv = process.env): string {
  const options = new Map<string, string>();
  for (const source of [ENGINE_BUILD_ALLOCATOR_OPTIONS, env[ENGINE_ALLOCATOR_ENV] ?? '']) {
    for (const pair of source.split(',')) {
      const colon = pair.indexOf(':');
      if (colon > 0) options.set(pair.slice(0, colon).trim(), pair.slice(colon + 1).trim());
    }
  }
  return [...options].map(([name, value]) => `${name}:${value}`).join(',');
}

export interface EngineAllocatorMemory {
  /** Bytes the engine's allocations hold. */
  allocatedBytes: number;
  /** Bytes of the allocator's pages in RAM: allocations, freed pages kept for reuse, its own metadata. */
  residentBytes: number;
  /** Bytes freed by the engine and not yet returned to the OS (they go within the decay time). */
  dirtyBytes: number;
}

/**
 * The figures of jemalloc's statistics text (`system.jemalloc_stats`): its
 * summary line (`Allocated: …, resident: …`) and the merged arenas' dirty
 * pages (the first `dirty:` row, whose decay time reads `N/A`).
 * Undefined when the text has neither.
 *
 * @example
 * parseAllocatorStats('Page size: 4096\nAllocated: 10, active: 12, metadata: 3 (n_thp 0), resident: 40, mapped: 50, retained: 0\n…\n   dirty:   N/A   5   …');
 * // { allocatedBytes: 10, residentBytes: 40, dirtyBytes: 20480 }
 */
export function parseAllocatorStats(text: string): EngineAllocatorMemory | undefined {
  const summary = /^Allocated: (\d+), active: \d+, metadata: \d+.*?, resident: (\d+),/m.exec(text);
  const pageSize = /^Page size: (\d+)$/m.exec(text);
  const dirty = /^\s*dirty:\s+N\/A\s+(\d+)\s/m.exec(text);
  if (summary === null || pageSize === null || dirty === null) return undefined;
  return {
    allocatedBytes: Number(summary[1]),
    residentBytes: Number(summary[2]),
    dirtyBytes: Number(dirty[1]) * Number(pageSize[1]),
  };
}

/** Returns every page the engine's allocator holds freed (dirty) to the OS at once. */
export const PURGE_ENGINE_ALLOCATOR_SQL = 'SYSTEM JEMALLOC PURGE';

/**
 * The resident memory above which an embedded collector returns the engine's
 * freed pages after its inserts, in MB (`XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB`).
 * Each 4,000-6,500-step insert frees ~25 MB of engine buffers and each merge
 * up to ~23 MB; with chDB's 5 s decay the allocator keeps them, 40-70 MB of
 * the collector's RSS under sustained ingest. Purged after every insert of at
 * least 1 MiB while over the limit, the peak fell from 572 MB to 485-501, at
 * 4-5% more CPU per stored step (a purge at most every 250 ms: 510-533;
 * bench/README.md, `memory`). Below the limit nothing is purged, so queries
 * keep reusing those pages (a 500 ms decay everywhere cost them 20-45%).
 */
export const DEFAULT_ENGINE_MEMORY_SOFT_LIMIT_MB = 400;

/**
 * The smallest insert (bytes of rows) after which a purge is considered: the
 * main lane's batches (~1 KB a step), not the express lane's few-step
 * inserts, which free little and came 4x as often (1,537 purges a minute
 * under maximum ingest when every insert was followed by one).
 */
export const RELIEF_MIN_INSERT_BYTES = 1024 * 1024;

export interface AllocatorReliefOptions {
  /** Resident memory of the process above which a purge is due, bytes; 0 or less: never. */
  softLimitBytes: number;
  /** Inserts smaller than this many bytes are never followed by a purge; RELIEF_MIN_INSERT_BYTES when omitted. */
  minInsertBytes?: number;
  /** The process's resident memory now, bytes (`process.memoryUsage.rss` when omitted). */
  residentBytes?: () => number;
}

/** Decides, after an insert, whether the engine's freed pages should go back to the OS now, and counts what was done. */
export interface AllocatorRelief {
  /**
   * After an insert of `insertBytes`: true when the insert was large enough,
   * the process is over the soft limit and no purge is running. The caller
   * then runs one and reports its end with purged() or failed().
   */
  due(insertBytes: number): boolean;
  /** The purge ended. */
  purged(): void;
  /** The purge failed: the engine cannot purge, so none is asked for again. */
  failed(): void;
  /** Purges run so far. */
  readonly purges: number;
}

/**
 * The soft memory limit of an embedded engine; undefined when it is off.
 *
 * @example
 * const relief = createAllocatorRelief({ softLimitBytes: 400 * 1024 * 1024 });
 * // after an insert of `bytes`:
 * if (relief?.due(bytes)) await session.queryAsync(PURGE_ENGINE_ALLOCATOR_SQL).then(() => relief.purged(), () => relief.failed());
 */
export function createAllocatorRelief(options: AllocatorReliefOptions): AllocatorRelief | undefined {
  if (!(options.softLimitBytes > 0)) return undefined;
  const residentBytes = options.residentBytes ?? (() => process.memoryUsage.rss());
  const minInsertBytes = options.minInsertBytes ?? RELIEF_MIN_INSERT_BYTES;
  let purging = false;
  let purges = 0;
  let disabled = false;
  return {
    due(insertBytes) {
      // The resident memory is read last: only after an insert that could be followed by a purge.
      if (disabled || purging || insertBytes < minInsertBytes || residentBytes() <= options.softLimitBytes) return false;
      purging = true;
      return true;
    },
    purged() {
      purging = false;
      purges += 1;
    },
    failed() {
      purging = false;
      disabled = true;
    },
    get purges() {
      return purges;
    },
  };
}
