/**
 * The embedded engine's memory allocator. chDB's ClickHouse allocates through
 * its own jemalloc (prefixed `je_`, so it reads `JE_MALLOC_CONF`, not
 * `MALLOC_CONF`), built to keep freed pages ("dirty") for 5 s before giving
 * them back to the OS, and this module reads its statistics for /metrics.
 *
 * The collector leaves those options as chDB built them. A shorter decay
 * (500 ms) held ~25 MB less under ingest, but every query then faulted its
 * working memory back in: on the 10M dataset the cold timeline took 46.5 ms
 * instead of 31.7, the failure rate 113 instead of 88 (bench/README.md,
 * "Latest figures"). An operator who prefers memory to latency sets
 * `JE_MALLOC_CONF` (read once, when the engine's library loads).
 */

/** The variable the engine's jemalloc reads its options from. */
export const ENGINE_ALLOCATOR_ENV = 'JE_MALLOC_CONF';

/** The options chDB's build runs its allocator with when `JE_MALLOC_CONF` is unset (the part an operator may change). */
export const ENGINE_BUILD_ALLOCATOR_OPTIONS = 'dirty_decay_ms:5000,muzzy_decay_ms:0';

/**
 * The allocator options in force for an engine started with `env`: the
 * operator's `JE_MALLOC_CONF`, or chDB's build's when it is unset or blank.
 *
 * @example
 * engineAllocatorOptions({}); // 'dirty_decay_ms:5000,muzzy_decay_ms:0'
 */
export function engineAllocatorOptions(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[ENGINE_ALLOCATOR_ENV];
  return own !== undefined && own.trim() !== '' ? own : ENGINE_BUILD_ALLOCATOR_OPTIONS;
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
