import { describe, expect, it } from 'vitest';
import { createOriginCache } from '../../../src/cors/origin-cache.js';
import type { OriginsRepository } from '../../../src/cors/origins-repository.js';

/** An in-memory repository that counts reads and can hold one back. */
function memoryRepository(initial: Record<string, string[]>) {
  const rows = new Map(Object.entries(initial));
  let hold: Promise<void> | undefined;
  const repository = {
    reads: 0,
    hold(until: Promise<void>) {
      hold = until;
    },
    async listAll() {
      repository.reads++;
      const snapshot = new Map([...rows].map(([app, origins]) => [app, [...origins]]));
      if (hold) await hold;
      return snapshot;
    },
    async get(appId: string) {
      return rows.get(appId) ?? [];
    },
    async set(appId: string, origins: readonly string[]) {
      rows.set(appId, [...origins]);
    },
  } satisfies OriginsRepository & Record<string, unknown>;
  return repository;
}

describe('cors/origin-cache', () => {
  describe('snapshot', () => {
    it('holds each app and the union, reads once per TTL, and again after invalidate', async () => {
      let now = 0;
      const repository = memoryRepository({ a: ['https://a.example'], b: ['https://b.example', 'https://a.example'] });
      const cache = createOriginCache(repository, { ttlMillis: 1000, now: () => now });
      const [first, second] = await Promise.all([cache.snapshot(), cache.snapshot()]);
      expect(first).toBe(second);
      expect(repository.reads).toBe(1);
      expect([...first.anyApp].sort()).toEqual(['https://a.example', 'https://b.example']);
      expect(first.byApp.get('a')?.has('https://b.example')).toBe(false);
      now = 999;
      await cache.snapshot();
      expect(repository.reads).toBe(1);
      now = 1000;
      await cache.snapshot();
      expect(repository.reads).toBe(2);
      await repository.set('a', []);
      cache.invalidate();
      expect((await cache.snapshot()).byApp.get('a')?.size).toBe(0);
    });

    it('does not keep a snapshot loaded before a write that happened while it loaded', async () => {
      const repository = memoryRepository({ a: ['https://old.example'] });
      const cache = createOriginCache(repository, { ttlMillis: 60_000 });
      let release!: () => void;
      repository.hold(new Promise<void>((resolve) => (release = resolve)));
      const stale = cache.snapshot();
      await repository.set('a', ['https://new.example']);
      cache.invalidate();
      repository.hold(Promise.resolve());
      release();
      expect((await stale).anyApp.has('https://old.example')).toBe(true);
      expect((await cache.snapshot()).anyApp.has('https://new.example')).toBe(true);
    });
  });
});
