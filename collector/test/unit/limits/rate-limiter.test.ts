import { describe, expect, it } from 'vitest';
import { createRateLimiter, rateLimitMessage } from '../../../src/limits/rate-limiter.js';
import type { AppSettings } from '../../../src/store/index.js';

function setup(settings: Record<string, Partial<AppSettings>> = {}) {
  let clock = 5_000_000;
  const limited: string[] = [];
  const limiter = createRateLimiter({
    settingsOf: async (appId) => ({ rateLimit: undefined, keyRateLimit: undefined, ...settings[appId] }),
    defaults: { requestsPerSecond: 2, burst: 3 },
    onLimited: (appId, limit, route) => limited.push(`${appId}/${limit}/${route}`),
    now: () => clock,
  });
  return { limiter, limited, advance: (millis: number) => (clock += millis) };
}

async function allowedOf(check: () => Promise<{ allowed: boolean }>, attempts: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < attempts; i++) if ((await check()).allowed) allowed++;
  return allowed;
}

describe('limits/rate-limiter', () => {
  describe('createRateLimiter', () => {
    describe('check', () => {
      it("gives an app without its own limit the defaults, and reports each refusal", async () => {
        const { limiter, limited } = setup();
        const caller = { appId: 'a', keyPrefix: 'xr_key1' };
        expect(await allowedOf(() => limiter.check(caller, 'ingest'), 10)).toBe(3);
        expect(limited).toHaveLength(7);
        expect(limited[0]).toBe('a/key/ingest'); // each key defaults to its app's limit: the key's bucket runs out first
      });

      it("uses the app's own limit and shares it among the app's keys", async () => {
        const { limiter, limited } = setup({ a: { rateLimit: { requestsPerSecond: 1, burst: 4 } } });
        const key1 = { appId: 'a', keyPrefix: 'xr_key1' };
        const key2 = { appId: 'a', keyPrefix: 'xr_key2' };
        expect(await allowedOf(() => limiter.check(key1, 'ingest'), 3)).toBe(3);
        expect(await allowedOf(() => limiter.check(key2, 'read'), 3)).toBe(1);
        expect(limited).toEqual(['a/app/read', 'a/app/read']);
      });

      it('limits each key to the per-key limit so one key cannot use its whole app', async () => {
        const { limiter } = setup({ a: { rateLimit: { requestsPerSecond: 100, burst: 100 }, keyRateLimit: { requestsPerSecond: 1, burst: 2 } } });
        expect(await allowedOf(() => limiter.check({ appId: 'a', keyPrefix: 'xr_leaked' }, 'read'), 50)).toBe(2);
        expect(await allowedOf(() => limiter.check({ appId: 'a', keyPrefix: 'xr_ingest' }, 'ingest'), 2)).toBe(2);
      });

      it("never lets one app's flood touch another app", async () => {
        const { limiter } = setup();
        await allowedOf(() => limiter.check({ appId: 'flood', keyPrefix: 'xr_f' }, 'ingest'), 1000);
        expect(await allowedOf(() => limiter.check({ appId: 'calm', keyPrefix: 'xr_c' }, 'ingest'), 3)).toBe(3);
      });

      it('says when to retry', async () => {
        const { limiter, advance } = setup();
        const caller = { appId: 'a', keyPrefix: 'xr_key1' };
        await allowedOf(() => limiter.check(caller, 'ingest'), 3);
        expect(await limiter.check(caller, 'ingest')).toEqual({ allowed: false, limit: 'key', retryAfterSeconds: 1 });
        advance(500);
        expect((await limiter.check(caller, 'ingest')).allowed).toBe(true);
      });
    });

    describe('limitsOf', () => {
      it("returns the app's limits, or the defaults", async () => {
        const { limiter } = setup({ own: { rateLimit: { requestsPerSecond: 9, burst: 18 } } });
        expect(await limiter.limitsOf('own')).toEqual({ app: { requestsPerSecond: 9, burst: 18 }, key: { requestsPerSecond: 9, burst: 18 } });
        expect(await limiter.limitsOf('other')).toEqual({ app: { requestsPerSecond: 2, burst: 3 }, key: { requestsPerSecond: 2, burst: 3 } });
      });
    });
  });

  describe('rateLimitMessage', () => {
    it('names the key by its prefix or the app', () => {
      const caller = { appId: 'shop', keyPrefix: 'xr_AbCd1234' };
      expect(rateLimitMessage(caller, { allowed: false, limit: 'key', retryAfterSeconds: 3 })).toBe('Key xr_AbCd1234… is over its rate limit; retry in 3 s');
      expect(rateLimitMessage(caller, { allowed: false, limit: 'app', retryAfterSeconds: 1 })).toBe('App "shop" is over its rate limit; retry in 1 s');
    });
  });
});
