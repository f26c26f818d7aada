/**
 * The embedded engine's allocator options (JE_MALLOC_CONF, read once as the
 * engine's library loads) and the figures /metrics takes from its statistics.
 */
import { describe, expect, it } from 'vitest';
import { COLLECTOR_ENV } from '../../../src/launch.js';
import { createAllocatorRelief, ENGINE_BUILD_ALLOCATOR_OPTIONS, RELIEF_MIN_INSERT_BYTES, engineAllocatorOptions, parseAllocatorStats } from '../../../src/store/engine-allocator.js';

describe('engineAllocatorOptions', () => {
  it('reports chDB\'s build when the operator set nothing, or only blanks', () => {
    expect(engineAllocatorOptions({})).toBe(ENGINE_BUILD_ALLOCATOR_OPTIONS);
    expect(engineAllocatorOptions({ JE_MALLOC_CONF: ' ' })).toBe(ENGINE_BUILD_ALLOCATOR_OPTIONS);
  });

  it('reports the build\'s options with the variable\'s in their place or added, and ignores glibc\'s MALLOC_CONF namesake', () => {
    expect(engineAllocatorOptions({ JE_MALLOC_CONF: 'dirty_decay_ms:0,muzzy_decay_ms:0' })).toBe('dirty_decay_ms:0,muzzy_decay_ms:0,tcache_max:32768');
    expect(engineAllocatorOptions({ JE_MALLOC_CONF: 'tcache_max:4096' })).toBe('dirty_decay_ms:5000,muzzy_decay_ms:0,tcache_max:4096');
    expect(engineAllocatorOptions({ JE_MALLOC_CONF: 'narenas:1, dirty_decay_ms:500' })).toBe('dirty_decay_ms:500,muzzy_decay_ms:0,tcache_max:32768,narenas:1');
    expect(engineAllocatorOptions({ MALLOC_CONF: 'narenas:1' })).toBe(ENGINE_BUILD_ALLOCATOR_OPTIONS);
  });

  it('reports what the collector starts its engine with (launch.ts): the build\'s decay, a 4 KiB thread cache', () => {
    expect(engineAllocatorOptions(COLLECTOR_ENV)).toBe('dirty_decay_ms:5000,muzzy_decay_ms:0,tcache_max:4096');
  });
});

// The lines parseAllocatorStats reads, as jemalloc 5.3 prints them in system.jemalloc_stats (chDB 3.4, ClickHouse 26.7).
const STATS = [
  '___ Begin jemalloc statistics ___',
  'Version: "5.3-RC"',
  '  opt.dirty_decay_ms: 500 (arenas.dirty_decay_ms: 500)',
  'Arenas: 4',
  'Quantum size: 16',
  'Page size: 4096',
  'Allocated: 26515232, active: 27172864, metadata: 7572336 (n_thp 0, edata 221824, rtree 6291456), resident: 389083136, mapped: 398630912, retained: 62218240',
  'Merged arenas stats:',
  'assigned threads: 9',
  'decaying:  time       npages       sweeps     madvises       purged',
  '   dirty:   N/A        86592            1           26          583',
  '   muzzy:   N/A            0            0            0            0',
  'arenas[0]:',
  'decaying:  time       npages       sweeps     madvises       purged',
  '   dirty:   500        80000            1           26          583',
].join('\n');

describe('parseAllocatorStats', () => {
  it('reads the allocated and resident bytes of the summary, and the merged arenas\' dirty pages in bytes', () => {
    expect(parseAllocatorStats(STATS)).toEqual({ allocatedBytes: 26515232, residentBytes: 389083136, dirtyBytes: 86592 * 4096 });
  });

  it('is undefined for text without those lines', () => {
    expect(parseAllocatorStats('')).toBeUndefined();
    expect(parseAllocatorStats(STATS.replace(/^Allocated:.*$/m, ''))).toBeUndefined();
    expect(parseAllocatorStats(STATS.replace(/^\s*dirty:\s+N\/A.*$/m, ''))).toBeUndefined();
  });
});

describe('createAllocatorRelief (the soft memory limit)', () => {
  const MB = 1024 * 1024;
  /** A relief over a resident memory the test sets. */
  function reliefAt(softLimitBytes: number) {
    const state = { rss: 300 * MB };
    const relief = createAllocatorRelief({ softLimitBytes, residentBytes: () => state.rss })!;
    return { state, relief };
  }

  it('is off at 0 or a negative limit', () => {
    expect(createAllocatorRelief({ softLimitBytes: 0 })).toBeUndefined();
    expect(createAllocatorRelief({ softLimitBytes: -1 })).toBeUndefined();
  });

  it('asks for a purge only over the limit, and never for a second one while the first runs', () => {
    const { state, relief } = reliefAt(400 * MB);
    const large = RELIEF_MIN_INSERT_BYTES;
    expect(relief.due(large)).toBe(false);
    state.rss = 400 * MB;
    expect(relief.due(large)).toBe(false);
    state.rss = 401 * MB;
    expect(relief.due(large)).toBe(true);
    expect(relief.due(large)).toBe(false);
    relief.purged();
    expect(relief.due(large)).toBe(true);
    relief.purged();
    state.rss = 399 * MB;
    expect(relief.due(large)).toBe(false);
    expect(relief.purges).toBe(2);
  });

  it('asks for none after an insert smaller than the minimum, over the limit or not', () => {
    const { relief } = reliefAt(1);
    expect(relief.due(RELIEF_MIN_INSERT_BYTES - 1)).toBe(false);
    expect(relief.due(RELIEF_MIN_INSERT_BYTES)).toBe(true);
    relief.purged();
    const custom = createAllocatorRelief({ softLimitBytes: 1, minInsertBytes: 10, residentBytes: () => 2 })!;
    expect(custom.due(9)).toBe(false);
    expect(custom.due(10)).toBe(true);
  });

  it('asks for none again after a purge failed', () => {
    const { relief } = reliefAt(1);
    expect(relief.due(RELIEF_MIN_INSERT_BYTES)).toBe(true);
    relief.failed();
    expect(relief.due(RELIEF_MIN_INSERT_BYTES)).toBe(false);
    expect(relief.purges).toBe(0);
  });
});
