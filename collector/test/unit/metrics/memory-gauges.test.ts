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
import { readResidentMemory } from '../../../src/process-memory.js';
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
  });
});
