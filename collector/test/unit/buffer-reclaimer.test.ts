import { getHeapStatistics } from 'node:v8';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIN_GROWTH_BYTES, RECLAIM_CHECK_MILLIS, startBufferReclaimer } from '../../src/buffer-reclaimer.js';

const MB = 1024 * 1024;

describe('buffer-reclaimer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects while external memory is over the limit and has grown since the last collection, counting each in /metrics', async () => {
    vi.useFakeTimers();
    let external = 10 * MB;
    let freeable = 0;
    const collect = vi.fn(() => {
      external -= freeable;
      freeable = 0;
    });
    const registry = new Registry();
    const reclaimer = startBufferReclaimer({ limitBytes: 16 * MB, registry, externalBytes: () => external, collect });
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 5);
    expect(collect).not.toHaveBeenCalled();
    // 20 MB that live on (an idle collector's buffers) and 10 MB of garbage: a collection and the one that
    // confirms it, then none for the 20.
    external = 30 * MB;
    freeable = 10 * MB;
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS);
    expect(collect).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 10);
    expect(collect).toHaveBeenCalledTimes(2);
    // Garbage again, past what the last collections left: collected (twice) again.
    external += MIN_GROWTH_BYTES + 1;
    freeable = MIN_GROWTH_BYTES + 1;
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 2);
    expect(collect).toHaveBeenCalledTimes(4);
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 10);
    expect(collect).toHaveBeenCalledTimes(4);
    expect(reclaimer.collections).toBe(4);
    expect(await registry.getSingleMetricAsString('xray_buffer_reclaims_total')).toMatch(/^xray_buffer_reclaims_total 4$/m);
    reclaimer.stop();
    external += 100 * MB;
    vi.advanceTimersByTime(RECLAIM_CHECK_MILLIS * 5);
    expect(collect).toHaveBeenCalledTimes(4);
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
