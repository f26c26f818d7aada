import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRetentionSweeper } from '../../../src/retention/retention-sweeper.js';

const DAY = 86_400_000;

describe('retention-sweeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('sweep', () => {
    it("deletes each app's executions older than its own number of days", async () => {
      const calls: [string, number][] = [];
      const sweeper = createRetentionSweeper({
        list: async () => [{ appId: 'a', days: 2 }, { appId: 'b', days: 7 }],
        deleteBefore: async (appId, before) => {
          calls.push([appId, before]);
          return appId === 'a' ? 3 : 0;
        },
        intervalMillis: 1000,
        now: () => 10 * DAY,
      });
      expect(await sweeper.sweep()).toEqual({ a: 3, b: 0 });
      expect(calls).toEqual([['a', 8 * DAY], ['b', 3 * DAY]]);
      expect(await sweeper.sweep({ appId: 'b', days: 1 })).toEqual({ b: 0 });
      expect(calls.at(-1)).toEqual(['b', 9 * DAY]);
    });

    it('never runs two sweeps at once, and a failed one does not stop the next', async () => {
      let active = 0;
      let most = 0;
      let fail = true;
      const sweeper = createRetentionSweeper({
        list: async () => [{ appId: 'a', days: 1 }],
        deleteBefore: async () => {
          active++;
          most = Math.max(most, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
          if (fail) {
            fail = false;
            throw new Error('store down');
          }
          return 1;
        },
        intervalMillis: 1000,
      });
      const results = await Promise.allSettled([sweeper.sweep(), sweeper.sweep(), sweeper.sweep()]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect(most).toBe(1);
    });
  });

  describe('start', () => {
    it('sweeps at once and then every interval until stopped, reporting failures', async () => {
      vi.useFakeTimers();
      let sweeps = 0;
      const errors: unknown[] = [];
      const sweeper = createRetentionSweeper({
        list: async () => {
          sweeps++;
          if (sweeps === 2) throw new Error('boom');
          return [];
        },
        deleteBefore: async () => 0,
        intervalMillis: 60_000,
        onError: (error) => errors.push(error),
      });
      sweeper.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(sweeps).toBe(1);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(sweeps).toBe(3);
      expect(errors).toHaveLength(1);
      sweeper.stop();
      await vi.advanceTimersByTimeAsync(600_000);
      expect(sweeps).toBe(3);
    });
  });
});
