/**
 * /metrics of a collector started as `npm start` starts it (main.js, the
 * embedded engine in its own process): where its resident memory is. The
 * file-backed part holds the engine's library, so it is large from the start;
 * the engine's own account of its memory and merges comes from the engine.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freePort, runCollector, stopCollector, useTempDirs, waitForOutput } from '../support/collector-process.js';
import { metricSample } from '../support/metrics-text.js';

describe('memory on /metrics of an embedded collector', () => {
  const newDir = useTempDirs('xray-memory-metrics-');

  it('splits the resident memory into the engine-sized file-backed part and the heaps, and reports the engine\'s own memory', async () => {
    const port = await freePort();
    const running = runCollector({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port) });
    try {
      await waitForOutput(running, /App "default" API key:/);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const file = metricSample(text, 'xray_resident_memory_by_kind_bytes{kind="file"}')!;
      const anonymous = metricSample(text, 'xray_resident_memory_by_kind_bytes{kind="anonymous"}')!;
      // The engine's library is ~550 MB on disk; starting it (migrations, the first queries) maps well over 64 MB of it.
      const library = readFileSync(`/proc/${running.child.pid}/maps`, 'utf8');
      expect(library).toMatch(/libchdb\.so/);
      expect(file).toBeGreaterThan(64 * 1024 * 1024);
      expect(anonymous).toBeGreaterThan(0);
      const rss = metricSample(text, 'xray_process_resident_memory_bytes')!;
      expect(file + anonymous).toBeGreaterThan(rss * 0.8);
      expect(file + anonymous).toBeLessThan(rss * 1.2);

      const tracked = metricSample(text, 'xray_engine_memory_tracked_bytes')!;
      expect(Number.isFinite(tracked)).toBe(true);
      expect(tracked).toBeGreaterThan(0);
      expect(tracked).toBeLessThan(anonymous);
      expect(metricSample(text, 'xray_engine_merges')).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(metricSample(text, 'xray_engine_merge_memory_bytes')!)).toBe(true);
    } finally {
      expect(await stopCollector(running)).toBe(0);
    }
  });
});
