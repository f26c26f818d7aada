import { getHeapStatistics } from 'node:v8';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RECLAIM_CHECK_MILLIS, startBufferReclaimer } from '../../src/buffer-reclaimer.js';

const MB = 1024 * 1024;

describe('buffer-reclaimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects while external memory is over the limit, and only then, counting each in /metrics', async () => {
    vi.useFakeTimers();
    let external = 10 * MB;
    const collect = vi.fn(() => {
      external = 4 * MB;
    });
    const registry = new Registry();
    const reclaimer = startBufferReclaimer({ limitBytes: 16 * MB, registry, externalBytes: () => external, collect });
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 5);
    expect(collect).not.toHaveBeenCalled();
    external = 40 * MB;
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 5);
    expect(collect).toHaveBeenCalledTimes(1);
    expect(reclaimer.collections).toBe(1);
    expect(await registry.getSingleMetricAsString('xray_buffer_reclaims_total')).toMatch(/^xray_buffer_reclaims_total 1$/m);
    reclaimer.stop();
    external = 40 * MB;
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 5);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('gives dead buffers back with V8\'s own minor collection', async () => {
    const before = getHeapStatistics().external_memory;
    // 12 buffers of 1 MiB, written (resident) and dropped at once, as request bodies and encoded batches are
    // (fewer than V8 waits for before it collects on their account).
    for (let i = 0; i < 12; i++) Buffer.allocUnsafeSlow(MB).fill(i);
    expect(getHeapStatistics().external_memory - before).toBeGreaterThan(10 * MB);
    const reclaimer = startBufferReclaimer({ limitBytes: before + 4 * MB });
    try {
      await expect.poll(() => getHeapStatistics().external_memory - before, { timeout: 5_000, interval: 50 }).toBeLessThan(4 * MB);
      expect(reclaimer.collections).toBeGreaterThanOrEqual(1);
    } finally {
      reclaimer.stop();
    }
  });
});
