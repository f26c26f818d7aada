import { describe, expect, it } from 'vitest';
import { createExecutionCache } from '../../../src/api/execution-cache.js';

const reply = (text: string, startMillis = 1_000, finished = true) => async () => ({ value: text, startMillis, finished });

describe('api/execution-cache', () => {
  describe('read', () => {
    it('loads once for a finished execution, then answers from memory', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      let loads = 0;
      const load = async () => ({ value: `v${++loads}`, startMillis: 1_000, finished: true });
      expect(await cache.read('app', 'e1', load)).toBe('v1');
      expect(await cache.read('app', 'e1', load)).toBe('v1');
      expect(cache.stats).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    });

    it('never keeps an unfinished execution', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await cache.read('app', 'e1', reply('running', 1_000, false));
      expect(await cache.read('app', 'e1', reply('done'))).toBe('done');
    });

    it('keys entries by app: the same execution id in another app is another entry', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await cache.read('a', 'e1', reply('of a'));
      expect(await cache.read('b', 'e1', reply('of b'))).toBe('of b');
      expect(await cache.read('a', 'e1', reply('never'))).toBe('of a');
    });

    it('drops the least recently read entries beyond its byte budget, and never keeps a reply larger than it', async () => {
      const cache = createExecutionCache({ maxBytes: 40, maxAgeMillis: 0 });
      await cache.read('app', 'e1', reply('x'.repeat(10)));
      await cache.read('app', 'e2', reply('y'.repeat(10)));
      await cache.read('app', 'e1', reply('reloaded'));
      await cache.read('app', 'e3', reply('z'.repeat(10)));
      expect(cache.stats.bytes).toBeLessThanOrEqual(40);
      expect(await cache.read('app', 'e1', reply('reloaded'))).toBe('x'.repeat(10));
      expect(await cache.read('app', 'e2', reply('reloaded'))).toBe('reloaded');
      await cache.read('app', 'big', reply('b'.repeat(100)));
      expect(await cache.read('app', 'big', reply('again'))).toBe('again');
    });

    it('treats an entry past its max age or before the retention horizon as a miss', async () => {
      let now = 0;
      let horizon = 0;
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 100, now: () => now, horizonMillis: () => horizon });
      await cache.read('app', 'e1', reply('first', 50));
      now = 101;
      expect(await cache.read('app', 'e1', reply('second', 50))).toBe('second');
      horizon = 60;
      expect(await cache.read('app', 'e1', reply('third', 50))).toBe('third');
    });
  });

  describe('invalidate', () => {
    it('forgets one execution, or every execution of one app', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await cache.read('a', 'e1', reply('a1'));
      await cache.read('a', 'e2', reply('a2'));
      await cache.read('b', 'e1', reply('b1'));
      cache.invalidate('a', 'e1');
      expect(await cache.read('a', 'e1', reply('a1 again'))).toBe('a1 again');
      cache.invalidateApp('a');
      expect(await cache.read('a', 'e2', reply('a2 again'))).toBe('a2 again');
      expect(await cache.read('b', 'e1', reply('never'))).toBe('b1');
    });

    it('does not store a reply whose read was running when its execution was invalidated', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      let release!: () => void;
      const slow = cache.read('app', 'e1', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return { value: 'read before the write', startMillis: 1_000, finished: true };
      });
      await Promise.resolve();
      cache.invalidate('app', 'e1');
      release();
      expect(await slow).toBe('read before the write');
      expect(await cache.read('app', 'e1', reply('after the write'))).toBe('after the write');
    });
  });
});
