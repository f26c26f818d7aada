/**
 * The memory gauges of /metrics: resident memory by kind read from
 * smaps_rollup, and the engine gauges, which exist only when the engine runs
 * in the process and leave a scrape intact when their source fails.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINE_MEMORY_TIMEOUT_MILLIS, createMetrics } from '../../../src/metrics.js';
import { createEngineMemoryReader, readResidentMemory } from '../../../src/process-memory.js';
import { ClickHouseError, type ClickHouseBackend } from '../../../src/store/index.js';
import { metricSample } from '../../support/metrics-text.js';

const dir = mkdtempSync(join(tmpdir(), 'xray-smaps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('resident memory by kind', () => {
  it('splits Rss into anonymous and file-backed pages', async () => {
    const path = file(
      'smaps_rollup',
      '55d0c0a00000-7ffd2b5fe000 ---p 00000000 00:00 0                          [rollup]\nRss:              512000 kB\nPss:              500000 kB\nAnonymous:        312000 kB\nSwap:                  0 kB\n',
    );
    expect(await readResidentMemory(path)).toEqual({ fileBytes: 200000 * 1024, anonymousBytes: 312000 * 1024 });
  });

  it('is undefined where the file is missing or lacks a field', async () => {
    expect(await readResidentMemory(join(dir, 'absent'))).toBeUndefined();
    expect(await readResidentMemory(file('partial', 'Rss:              512000 kB\n'))).toBeUndefined();
  });

  it('reads this process on Linux: both kinds resident, their sum within Rss of /proc/self/status', async () => {
    const resident = await readResidentMemory();
    expect(resident).toBeDefined();
    expect(resident!.fileBytes).toBeGreaterThan(0);
    expect(resident!.anonymousBytes).toBeGreaterThan(0);
    const status = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
    const sum = resident!.fileBytes + resident!.anonymousBytes;
    expect(sum).toBeGreaterThan(status * 0.8);
    expect(sum).toBeLessThan(status * 1.2);
  });
});

describe('memory gauges on /metrics', () => {
  it('reports the kinds with the default metrics and no engine gauge for an engine outside the process', async () => {
    const text = await createMetrics({ defaultMetrics: true }).registry.metrics();
    expect(metricSample(text, 'xray_resident_memory_by_kind_bytes{kind="file"}')).toBeGreaterThan(0);
    expect(metricSample(text, 'xray_resident_memory_by_kind_bytes{kind="anonymous"}')).toBeGreaterThan(0);
    expect(text).not.toContain('xray_engine_memory_tracked_bytes');
  });

  it('reads the engine once per scrape for its three gauges', async () => {
    let reads = 0;
    const metrics = createMetrics({
      defaultMetrics: true,
      engineMemory: async () => {
        reads++;
        return { trackedBytes: 41_000_000, merges: 2, mergeBytes: 55_000_000 };
      },
    });
    const text = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(metricSample(text, 'xray_engine_memory_tracked_bytes')).toBe(41_000_000);
    expect(metricSample(text, 'xray_engine_merges')).toBe(2);
    expect(metricSample(text, 'xray_engine_merge_memory_bytes')).toBe(55_000_000);
    await metrics.registry.metrics();
    expect(reads).toBe(2);
  });

  it('answers the scrape without waiting more than a second for an engine busy with another statement, and queues no second query behind the first', async () => {
    let asked = 0;
    let answer: (memory: { trackedBytes: number; merges: number; mergeBytes: number }) => void = () => {};
    const metrics = createMetrics({
      defaultMetrics: true,
      engineMemory: () => {
        asked++;
        // The first query waits in the engine until the test answers it; later ones answer at once.
        if (asked > 1) return Promise.resolve({ trackedBytes: 9, merges: 1, mergeBytes: 3 });
        return new Promise((resolve) => (answer = resolve));
      },
    });
    const started = Date.now();
    const text = await metrics.registry.metrics();
    expect(Date.now() - started).toBeGreaterThanOrEqual(ENGINE_MEMORY_TIMEOUT_MILLIS - 50);
    expect(text).toMatch(/^xray_engine_memory_tracked_bytes nan$/im);
    // The next scrape, while the first query still waits in the engine: unknown at once, nothing more asked.
    expect(await metrics.registry.metrics()).toMatch(/^xray_engine_merges nan$/im);
    expect(asked).toBe(1);
    // Once it has run, the scrape after asks again.
    answer({ trackedBytes: 7, merges: 0, mergeBytes: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(metricSample(await metrics.registry.metrics(), 'xray_engine_memory_tracked_bytes')).toBe(9);
    expect(asked).toBe(2);
  });

  it('answers the scrape with the engine gauges unknown (NaN) when the engine cannot be read', async () => {
    const metrics = createMetrics({ defaultMetrics: true, engineMemory: () => Promise.reject(new Error('engine busy')) });
    const text = await metrics.registry.metrics();
    // prom-client writes "Nan"; Prometheus parses floats ignoring case.
    expect(text).toMatch(/^xray_engine_memory_tracked_bytes nan$/im);
    expect(text).toMatch(/^xray_engine_merges nan$/im);
    expect(metricSample(text, 'xray_resident_memory_by_kind_bytes{kind="anonymous"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^xray_engine_allocator_bytes\{state="dirty"\} nan$/im);
  });

  it('reports the engine allocator\'s allocated, resident and dirty bytes from the same read', async () => {
    let reads = 0;
    const metrics = createMetrics({
      defaultMetrics: true,
      engineMemory: async () => {
        reads++;
        return { trackedBytes: 1, merges: 0, mergeBytes: 0, allocator: { allocatedBytes: 60_000_000, residentBytes: 150_000_000, dirtyBytes: 45_000_000 } };
      },
    });
    const text = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(metricSample(text, 'xray_engine_allocator_bytes{state="allocated"}')).toBe(60_000_000);
    expect(metricSample(text, 'xray_engine_allocator_bytes{state="resident"}')).toBe(150_000_000);
    expect(metricSample(text, 'xray_engine_allocator_bytes{state="dirty"}')).toBe(45_000_000);
  });

  it('has no allocator series for an engine built without its statistics', async () => {
    const metrics = createMetrics({ defaultMetrics: true, engineMemory: async () => ({ trackedBytes: 1, merges: 0, mergeBytes: 0 }) });
    const text = await metrics.registry.metrics();
    expect(metricSample(text, 'xray_engine_memory_tracked_bytes')).toBe(1);
    expect(text).not.toMatch(/^xray_engine_allocator_bytes\{/m);
  });
});

describe('the embedded engine\'s memory reader', () => {
  /** A backend whose engine has no system.jemalloc_stats (a build without jemalloc): it refuses any statement naming it. */
  function engineWithoutAllocatorStats(statements: string[]): ClickHouseBackend {
    return {
      kind: 'embedded',
      async query<T>(sql: string): Promise<T[]> {
        statements.push(sql);
        if (sql.includes('jemalloc_stats')) throw new ClickHouseError('Unknown table expression identifier \'system.jemalloc_stats\'', 60);
        return [{ tracked: '5', merges: '1', merge_bytes: '2' }] as T[];
      },
    } as unknown as ClickHouseBackend;
  }

  it('reads without the allocator after an engine says it has no statistics, and asks for them only once', async () => {
    const statements: string[] = [];
    const read = createEngineMemoryReader(engineWithoutAllocatorStats(statements));
    expect(await read()).toEqual({ trackedBytes: 5, merges: 1, mergeBytes: 2 });
    expect(await read()).toEqual({ trackedBytes: 5, merges: 1, mergeBytes: 2 });
    expect(statements.filter((sql) => sql.includes('jemalloc_stats'))).toHaveLength(1);
    expect(statements).toHaveLength(3);
  });

  it('passes any other failure on, and asks for the statistics again next time', async () => {
    let calls = 0;
    const busy = {
      kind: 'embedded',
      async query(sql: string) {
        calls++;
        if (calls === 1) throw new ClickHouseError('Memory limit exceeded', 241);
        expect(sql).toContain('jemalloc_stats');
        return [{ tracked: '5', merges: '0', merge_bytes: '0', allocator: 'Page size: 4096\nAllocated: 10, active: 12, metadata: 3 (n_thp 0), resident: 40, mapped: 50, retained: 0\n   dirty:   N/A   5   0\n' }];
      },
    } as unknown as ClickHouseBackend;
    const read = createEngineMemoryReader(busy);
    await expect(read()).rejects.toThrow('Memory limit exceeded');
    expect((await read()).allocator).toEqual({ allocatedBytes: 10, residentBytes: 40, dirtyBytes: 5 * 4096 });
  });
});
