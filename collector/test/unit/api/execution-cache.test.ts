import { describe, expect, it } from 'vitest';
import { createExecutionCache } from '../../../src/api/execution-cache.js';
import type { ExecutionCache } from '../../../src/api/execution-cache.js';

const text = (json: string) => ({ json, rows: 1 });
const reply = (json: string, startMillis = 1_000, finished = true) => async () => ({ value: text(json), startMillis, finished });
/** The JSON text of what the cache answered. */
const read = async (cache: ExecutionCache, appId: string, executionId: string, load: Parameters<ExecutionCache['read']>[2]) =>
  (await cache.read(appId, executionId, load)).json;

describe('api/execution-cache', () => {
  describe('read', () => {
    it('loads once for a finished execution, then answers from memory', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      let loads = 0;
      const load = async () => ({ value: text(`v${++loads}`), startMillis: 1_000, finished: true });
      expect(await read(cache, 'app', 'e1', load)).toBe('v1');
      expect(await read(cache, 'app', 'e1', load)).toBe('v1');
      expect(cache.stats).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    });

    it('never keeps an unfinished execution', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await read(cache, 'app', 'e1', reply('running', 1_000, false));
      expect(await read(cache, 'app', 'e1', reply('done'))).toBe('done');
    });

    it('keys entries by app: the same execution id in another app is another entry', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await read(cache, 'a', 'e1', reply('of a'));
      expect(await read(cache, 'b', 'e1', reply('of b'))).toBe('of b');
      expect(await read(cache, 'a', 'e1', reply('never'))).toBe('of a');
    });

    it('drops the least recently read entries beyond its byte budget, and never keeps a reply larger than it', async () => {
      const cache = createExecutionCache({ maxBytes: 40, maxAgeMillis: 0 });
      await read(cache, 'app', 'e1', reply('x'.repeat(10)));
      await read(cache, 'app', 'e2', reply('y'.repeat(10)));
      await read(cache, 'app', 'e1', reply('reloaded'));
      await read(cache, 'app', 'e3', reply('z'.repeat(10)));
      expect(cache.stats.bytes).toBeLessThanOrEqual(40);
      expect(await read(cache, 'app', 'e1', reply('reloaded'))).toBe('x'.repeat(10));
      expect(await read(cache, 'app', 'e2', reply('reloaded'))).toBe('reloaded');
      await read(cache, 'app', 'big', reply('b'.repeat(100)));
      expect(await read(cache, 'app', 'big', reply('again'))).toBe('again');
    });

    it('treats an entry past its max age or before the retention horizon as a miss', async () => {
      let now = 0;
      let horizon = 0;
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 100, now: () => now, horizonMillis: () => horizon });
      await read(cache, 'app', 'e1', reply('first', 50));
      now = 101;
      expect(await read(cache, 'app', 'e1', reply('second', 50))).toBe('second');
      horizon = 60;
      expect(await read(cache, 'app', 'e1', reply('third', 50))).toBe('third');
    });
  });

  describe('invalidate', () => {
    it('forgets one execution, or every execution of one app', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      await read(cache, 'a', 'e1', reply('a1'));
      await read(cache, 'a', 'e2', reply('a2'));
      await read(cache, 'b', 'e1', reply('b1'));
      cache.invalidate('a', 'e1');
      expect(await read(cache, 'a', 'e1', reply('a1 again'))).toBe('a1 again');
      cache.invalidateApp('a');
      expect(await read(cache, 'a', 'e2', reply('a2 again'))).toBe('a2 again');
      expect(await read(cache, 'b', 'e1', reply('never'))).toBe('b1');
    });

    it('does not store a reply whose read was running when its execution was invalidated', async () => {
      const cache = createExecutionCache({ maxBytes: 1_000, maxAgeMillis: 0 });
      let release!: () => void;
      const slow = cache.read('app', 'e1', async () => {
        await new Promise<void>((resolve) => (release = resolve));
        return { value: text('read before the write'), startMillis: 1_000, finished: true };
      });
      await Promise.resolve();
      cache.invalidate('app', 'e1');
      release();
      expect((await slow).json).toBe('read before the write');
      expect(await read(cache, 'app', 'e1', reply('after the write'))).toBe('after the write');
    });
  });
});
