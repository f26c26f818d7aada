/**
 * /metrics of a collector started as `npm start` starts it (main.js, the
 * embedded engine in its own process): where its resident memory is. The
 * file-backed part holds the engine's library, so it is large from the start;
 * the engine's own account of its memory and merges comes from the engine,
 * its allocator's from the allocator, which runs as chDB built it unless the
 * operator set `JE_MALLOC_CONF`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENGINE_BUILD_ALLOCATOR_OPTIONS } from '../../src/store/engine-allocator.js';
import { freePort, runCollector, stopCollector, useTempDirs, waitForOutput } from '../support/collector-process.js';
import { metricSample } from '../support/metrics-text.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

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

      // The engine's allocator: what it holds, within what it keeps resident, within the anonymous memory.
      const allocated = metricSample(text, 'xray_engine_allocator_bytes{state="allocated"}')!;
      const allocatorResident = metricSample(text, 'xray_engine_allocator_bytes{state="resident"}')!;
      const dirty = metricSample(text, 'xray_engine_allocator_bytes{state="dirty"}')!;
      expect(allocated).toBeGreaterThan(0);
      expect(allocatorResident).toBeGreaterThanOrEqual(allocated);
      expect(allocatorResident).toBeLessThan(anonymous);
      expect(dirty).toBeGreaterThanOrEqual(0);
      expect(dirty).toBeLessThan(allocatorResident);
    } finally {
      expect(await stopCollector(running)).toBe(0);
    }
  });

  /**
   * Ingests 3 executions of 500 steps (~1.5 MB of rows each; `small`: of 5
   * steps) into a collector with `env`, then reads its allocator purges and
   * the executions back.
   */
  async function ingestAndCountPurges(env: Record<string, string>, small = false): Promise<number> {
    const stepCount = small ? 5 : 500;
    const port = await freePort();
    const running = runCollector({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), ...env });
    try {
      const [, key] = await waitForOutput(running, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
      const base = `http://127.0.0.1:${port}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        // Each request one insert of its own (requests are sent one after another) above the 1 MiB a purge waits for.
        const steps = Array.from({ length: stepCount }, (_, n) => ({ name: `step-${n}`, reasoning: `reason ${i}-${n} ${'because '.repeat(375)}` }));
        const execution = executionSpans({ pipeline: 'memory-relief', steps });
        ids.push(execution.executionId);
        const stored = await postJson(base, key, jsonRequest([execution.root, ...execution.steps]));
        expect(stored.status).toBe(200);
      }
      const purges = async () => metricSample(await (await fetch(`${base}/metrics`)).text(), 'xray_engine_allocator_purges_total')!;
      // The purge runs after the insert it follows is acknowledged: wait for one, or long enough for one that should not come.
      if (env.XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB === '0' || small) await new Promise((resolve) => setTimeout(resolve, 500));
      else for (let wait = 0; wait < 50 && (await purges()) === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
      // Every execution stored whole, purges or not.
      for (const id of ids) {
        const detail = await fetch(`${base}/api/v1/executions/${id}`, { headers: { 'x-api-key': key } });
        expect(detail.status).toBe(200);
        expect(((await detail.json()) as { steps: unknown[] }).steps).toHaveLength(stepCount);
      }
      return await purges();
    } finally {
      expect(await stopCollector(running)).toBe(0);
    }
  }

  it('returns the engine\'s freed pages after large inserts while the process is over XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB, and never when the limit is off', async () => {
    // 1 MB: every check finds the process over it (the engine's library alone maps more).
    expect(await ingestAndCountPurges({ XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB: '1' })).toBeGreaterThan(0);
    expect(await ingestAndCountPurges({ XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB: '0' })).toBe(0);
    // Small inserts free little: no purge follows them, over the limit or not.
    expect(await ingestAndCountPurges({ XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB: '1' }, true)).toBe(0);
  });

  /** The decay time and thread cache limit the engine's allocator runs with, from its own statistics, read through the admin SQL route. */
  async function engineAllocatorRun(env: Record<string, string>): Promise<{ dirtyDecayMs: string; tcacheMax: string }> {
    const port = await freePort();
    const token = 'memory-metrics-admin-token-0123456789';
    const running = runCollector({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), XRAY_ADMIN_TOKEN: token, ...env });
    try {
      await waitForOutput(running, /App "default" API key:/);
      const reply = await fetch(`http://127.0.0.1:${port}/api/v1/admin/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT stats FROM system.jemalloc_stats' }),
      });
      expect(reply.status).toBe(200);
      const { rows } = (await reply.json()) as { rows: { stats: string }[] };
      return {
        dirtyDecayMs: /^\s*opt\.dirty_decay_ms: (\d+)/m.exec(rows[0].stats)![1],
        tcacheMax: /^\s*opt\.tcache_max: (\d+)/m.exec(rows[0].stats)![1],
      };
    } finally {
      expect(await stopCollector(running)).toBe(0);
    }
  }

  it('runs the engine\'s allocator with chDB\'s decay (freed pages kept 5 s) and a 4 KiB thread cache, unless the operator set JE_MALLOC_CONF, which then replaces it', async () => {
    const build = /dirty_decay_ms:(\d+)/.exec(ENGINE_BUILD_ALLOCATOR_OPTIONS)![1];
    const buildCache = /tcache_max:(\d+)/.exec(ENGINE_BUILD_ALLOCATOR_OPTIONS)![1];
    expect(await engineAllocatorRun({})).toEqual({ dirtyDecayMs: build, tcacheMax: '4096' });
    expect(await engineAllocatorRun({ JE_MALLOC_CONF: 'dirty_decay_ms:500' })).toEqual({ dirtyDecayMs: '500', tcacheMax: buildCache });
  });
});
