/**
 * The embedded engine's memory allocator. chDB's ClickHouse allocates through
 * its own jemalloc (prefixed `je_`, so it reads `JE_MALLOC_CONF`, not
 * `MALLOC_CONF`), built to keep freed pages ("dirty") for 5 s before giving
 * them back to the OS. Under ingest, every insert and merge frees tens of MB,
 * so the collector's RSS carried 30-120 MB of memory the engine no longer used
 * (bench/README.md, `memory`). The collector asks for 500 ms instead: ~25 MB
 * less held by the allocator (13-17 MB off the collector's RSS at the same
 * ingest rate) at no insert CPU the bench can measure, where returning pages
 * at once (0 ms) costs 1.5-1.9x the insert CPU.
 *
 * jemalloc reads the variable once, when the engine's library loads, so this
 * must run before chDB is imported. An operator's own `JE_MALLOC_CONF` is
 * left as it is.
 */

/** Milliseconds the engine's allocator keeps freed pages before returning them to the OS. */
export const ENGINE_DIRTY_DECAY_MILLIS = 500;

/** The variable the engine's jemalloc reads its options from. */
export const ENGINE_ALLOCATOR_ENV = 'JE_MALLOC_CONF';

/**
 * Sets `JE_MALLOC_CONF` in `env` (the process environment, which the engine's
 * library reads when it loads) unless it is already set. Returns the options
 * in force.
 *
 * @example
 * configureEngineAllocator(process.env); // 'dirty_decay_ms:500'
 * await import('chdb');
 */
export function configureEngineAllocator(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[ENGINE_ALLOCATOR_ENV];
  if (own !== undefined && own.trim() !== '') return own;
  const options = `dirty_decay_ms:${ENGINE_DIRTY_DECAY_MILLIS}`;
  env[ENGINE_ALLOCATOR_ENV] = options;
  return options;
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
