/**
 * Where this process's resident memory is, for `/metrics`: file-backed pages
 * (mapped code: in embedded mode mostly the ClickHouse engine's own library)
 * against anonymous memory (heaps: V8's, the engine's, the allocator's), and
 * the engine's own account of what it holds when it runs in this process.
 * Operators of an embedded collector see an RSS of several hundred MB and
 * need to know how much of it is code that no setting changes (bench/README.md,
 * `memory`).
 */
import { readFile } from 'node:fs/promises';
import { ClickHouseError, type ClickHouseBackend } from './store/index.js';
import { parseAllocatorStats, type EngineAllocatorMemory } from './store/engine-allocator.js';

export interface ResidentMemory {
  /** Resident pages mapped from files (code, read-only data), bytes. */
  fileBytes: number;
  /** Resident anonymous pages (heaps), bytes. */
  anonymousBytes: number;
}

/**
 * This process's resident memory split by kind, from Linux's
 * `/proc/self/smaps_rollup`; `undefined` where the file does not exist
 * (another OS, an old kernel).
 */
export async function readResidentMemory(path = '/proc/self/smaps_rollup'): Promise<ResidentMemory | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  const kilobytes = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) : undefined;
  };
  const rss = kilobytes('Rss');
  const anonymous = kilobytes('Anonymous');
  if (rss === undefined || anonymous === undefined) return undefined;
  return { fileBytes: (rss - anonymous) * 1024, anonymousBytes: anonymous * 1024 };
}

export interface EngineMemory {
  /** What the engine's allocations hold now (its `MemoryTracking` metric), bytes. */
  trackedBytes: number;
  /** Merges running, and the memory they hold, bytes. */
  merges: number;
  mergeBytes: number;
  /** The engine's allocator (jemalloc): what it holds, keeps resident, and has freed but not returned; undefined for an engine built without it. */
  allocator?: EngineAllocatorMemory;
}

/** ClickHouse's code for a table that does not exist. */
const UNKNOWN_TABLE = 60;

/**
 * A reader of the embedded engine's account of its memory: one small query of
 * its system tables per call, with its allocator's statistics when the engine
 * has them (`system.jemalloc_stats`, ~80 KB of text, ~1.5 ms). An engine
 * without them is asked once, then read without.
 *
 * @example
 * const read = createEngineMemoryReader(backend);
 * const { trackedBytes, allocator } = await read();
 */
export function createEngineMemoryReader(backend: ClickHouseBackend): () => Promise<EngineMemory> {
  let withAllocator = true;
  return async () => {
    if (withAllocator) {
      try {
        return await readEngineMemory(backend, true);
      } catch (error) {
        if (!(error instanceof ClickHouseError) || error.clickhouseCode !== UNKNOWN_TABLE) throw error;
        withAllocator = false;
      }
    }
    return readEngineMemory(backend, false);
  };
}

async function readEngineMemory(backend: ClickHouseBackend, withAllocator: boolean): Promise<EngineMemory> {
  const [row] = await backend.query<{ tracked: string; merges: string; merge_bytes: string; allocator?: string }>(
    `SELECT toString((SELECT value FROM system.metrics WHERE metric = 'MemoryTracking')) AS tracked,
       toString(count()) AS merges, toString(sum(memory_usage)) AS merge_bytes${withAllocator ? ', (SELECT any(stats) FROM system.jemalloc_stats) AS allocator' : ''}
FROM system.merges`,
  );
  const memory: EngineMemory = { trackedBytes: Number(row.tracked), merges: Number(row.merges), mergeBytes: Number(row.merge_bytes) };
  const allocator = row.allocator === undefined ? undefined : parseAllocatorStats(row.allocator);
  if (allocator !== undefined) memory.allocator = allocator;
  return memory;
}
