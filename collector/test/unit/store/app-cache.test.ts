import { describe, expect, it } from 'vitest';
import { createAppCache } from '../../../src/store/app-cache.js';

function setup() {
  let clock = 0;
  const values = new Map<string, number>([['a', 1]]);
  const loads: string[] = [];
  const cache = createAppCache({
    load: async (appId) => {
      loads.push(appId);
      return values.get(appId) ?? 0;
    },
    ttlMillis: 1000,
    now: () => clock,
  });
  return { cache, values, loads, advance: (millis: number) => (clock += millis) };
}

describe('store/app-cache', () => {
  describe('createAppCache', () => {
    it('loads once per TTL', async () => {
      const { cache, values, loads, advance } = setup();
      expect(await cache.get('a')).toBe(1);
      values.set('a', 2);
      advance(999);
      expect(await cache.get('a')).toBe(1);
      advance(1);
      expect(await cache.get('a')).toBe(2);
      expect(loads).toEqual(['a', 'a']);
    });

    it('forgets one app at once on invalidate, and keeps the others', async () => {
      const { cache, values, loads } = setup();
      await cache.get('a');
      await cache.get('b');
      values.set('a', 5);
      cache.invalidate('a');
      expect(await cache.get('a')).toBe(5);
      await cache.get('b');
      expect(loads).toEqual(['a', 'b', 'a']);
    });

    it('does not cache a value whose load started before an invalidate', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let value = 'old';
      const loads: string[] = [];
      const cache = createAppCache({
        load: async () => {
          const seen = value;
          loads.push(seen);
          if (seen === 'old') await gate;
          return seen;
        },
      });
      const slow = cache.get('a');
      value = 'new';
      cache.invalidate('a');
      release();
      expect(await slow).toBe('old');
      expect(await cache.get('a')).toBe('new');
      expect(loads).toEqual(['old', 'new']);
    });
  });
});
