import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/auth/api-key.js';
import { createKeyResolver } from '../../../src/auth/key-resolver.js';
import type { KeyResolverOptions } from '../../../src/auth/key-resolver.js';

const KEY_A = `xr_${'a'.repeat(40)}`;
const KEY_B = `xr_${'b'.repeat(40)}`;
const KEY_C = `xr_${'c'.repeat(40)}`;
const UNKNOWN = `xr_${'u'.repeat(40)}`;

/** A resolver over a fixed key table, a hand-driven clock and a log of lookups. */
function setup(options: Partial<KeyResolverOptions> = {}) {
  const table = new Map<string, string>([
    [hashApiKey(KEY_A), 'app-a'],
    [hashApiKey(KEY_B), 'app-b'],
    [hashApiKey(KEY_C), 'app-c'],
  ]);
  const scopes = new Map<string, string[]>();
  const lookups: string[] = [];
  let clock = 1_000_000;
  const resolver = createKeyResolver({
    lookup: async (keyHash) => {
      lookups.push(keyHash);
      const appId = table.get(keyHash);
      return appId === undefined ? undefined : { appId, keyPrefix: `prefix-${appId}`, scopes: scopes.get(keyHash) ?? ['ingest', 'read'] };
    },
    knownTtlMillis: 30_000,
    unknownTtlMillis: 5_000,
    now: () => clock,
    ...options,
  });
  return {
    resolver,
    table,
    scopes,
    lookups,
    advance(millis: number) {
      clock += millis;
    },
  };
}

describe('auth/key-resolver', () => {
  describe('createKeyResolver', () => {
    describe('resolve', () => {
      it('looks a key up by its hash and returns its app, prefix and scopes', async () => {
        const { resolver, lookups } = setup();
        expect(await resolver.resolve(KEY_A)).toEqual({ appId: 'app-a', keyPrefix: 'prefix-app-a', scopes: ['ingest', 'read'] });
        expect(lookups).toEqual([hashApiKey(KEY_A)]);
      });

      it('keeps only the scopes it knows, so an unknown stored scope grants nothing', async () => {
        const { resolver, scopes } = setup();
        scopes.set(hashApiKey(KEY_A), ['read', 'admin', 'read']);
        scopes.set(hashApiKey(KEY_B), ['superuser']);
        expect((await resolver.resolve(KEY_A))?.scopes).toEqual(['read']);
        expect((await resolver.resolve(KEY_B))?.scopes).toEqual([]);
      });

      it('answers from the cache within the TTL of a known key', async () => {
        const { resolver, lookups, advance } = setup();
        await resolver.resolve(KEY_A);
        advance(29_999);
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        expect(lookups).toHaveLength(1);
      });

      it('looks a known key up again once its TTL has passed', async () => {
        const { resolver, lookups, table, advance } = setup();
        await resolver.resolve(KEY_A);
        table.delete(hashApiKey(KEY_A)); // revoked elsewhere
        advance(30_000);
        expect(await resolver.resolve(KEY_A)).toBeUndefined();
        expect(lookups).toHaveLength(2);
      });

      it('caches an unknown key, but only for its shorter TTL', async () => {
        const { resolver, lookups, table, advance } = setup();
        expect(await resolver.resolve(UNKNOWN)).toBeUndefined();
        advance(4_999);
        expect(await resolver.resolve(UNKNOWN)).toBeUndefined();
        expect(lookups).toHaveLength(1);

        table.set(hashApiKey(UNKNOWN), 'app-new'); // issued meanwhile
        advance(1);
        expect((await resolver.resolve(UNKNOWN))?.appId).toBe('app-new');
        expect(lookups).toHaveLength(2);
      });

      it('never looks up a value that is not shaped like a key', async () => {
        const { resolver, lookups } = setup();
        for (const value of ['', 'Bearer', 'xr_short', `sk_${'a'.repeat(40)}`, `${KEY_A} `]) {
          expect(await resolver.resolve(value)).toBeUndefined();
        }
        expect(lookups).toEqual([]);
      });

      it('evicts the oldest entry when maxEntries is reached', async () => {
        const { resolver, lookups } = setup({ maxEntries: 2 });
        await resolver.resolve(KEY_A);
        await resolver.resolve(KEY_B);
        await resolver.resolve(KEY_C); // evicts A
        expect(lookups).toHaveLength(3);

        await resolver.resolve(KEY_C);
        await resolver.resolve(KEY_B);
        expect(lookups).toHaveLength(3);

        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        expect(lookups).toHaveLength(4);
      });
    });

    describe('invalidate', () => {
      it('forgets every cached key so the next resolve looks up again', async () => {
        const { resolver, lookups, table } = setup();
        await resolver.resolve(KEY_A);
        await resolver.resolve(UNKNOWN);
        table.delete(hashApiKey(KEY_A));
        resolver.invalidate();
        expect(await resolver.resolve(KEY_A)).toBeUndefined();
        await resolver.resolve(UNKNOWN);
        expect(lookups).toHaveLength(4);
      });
    });

    describe('lookup budget', () => {
      it('refuses lookups beyond the budget with XRAY_ERR_RATE_LIMITED, and recovers as it refills', async () => {
        let throttled = 0;
        const { resolver, lookups, advance } = setup({ lookupLimit: { requestsPerSecond: 1, burst: 2 }, onLookupThrottled: () => throttled++ });
        expect(await resolver.resolve(`xr_${'1'.repeat(40)}`)).toBeUndefined();
        expect(await resolver.resolve(`xr_${'2'.repeat(40)}`)).toBeUndefined();
        await expect(resolver.resolve(KEY_A)).rejects.toMatchObject({ code: 'XRAY_ERR_RATE_LIMITED', statusCode: 429 });
        expect(lookups).toHaveLength(2);
        expect(throttled).toBe(1);
        advance(1000);
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
      });

      it('keeps answering cached keys while the budget is spent, an expired known key included', async () => {
        const { resolver, lookups, advance } = setup({ lookupLimit: { requestsPerSecond: 0.001, burst: 1 } });
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        for (let i = 0; i < 5; i++) await expect(resolver.resolve(`xr_${String(i).repeat(40)}`)).rejects.toThrow('Too many requests');
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        advance(30_000); // expired, and no budget to look it up again
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        expect(lookups).toHaveLength(1);
      });

      it('stops answering an expired key from the cache one TTL after it expired, so a revocation lands within 2 x TTL under a flood', async () => {
        const { resolver, advance } = setup({ lookupLimit: { requestsPerSecond: 0.000001, burst: 1 } });
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        advance(59_999);
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        advance(1);
        await expect(resolver.resolve(KEY_A)).rejects.toMatchObject({ code: 'XRAY_ERR_RATE_LIMITED' });
      });
    });

    describe('knownTtlMillis', () => {
      it('bounds how long a key revoked elsewhere keeps working here', async () => {
        const { resolver, table, advance } = setup({ knownTtlMillis: 2_000 });
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        table.delete(hashApiKey(KEY_A)); // revoked through another collector
        advance(1_999);
        expect((await resolver.resolve(KEY_A))?.appId).toBe('app-a');
        advance(1);
        expect(await resolver.resolve(KEY_A)).toBeUndefined();
      });

      it('never keeps an unknown key longer than a known one when unknownTtlMillis is omitted', async () => {
        const { resolver, table, lookups, advance } = setup({ knownTtlMillis: 1_000, unknownTtlMillis: undefined });
        expect(await resolver.resolve(UNKNOWN)).toBeUndefined();
        table.set(hashApiKey(UNKNOWN), 'app-u'); // created through another collector
        advance(1_000);
        expect((await resolver.resolve(UNKNOWN))?.appId).toBe('app-u');
        expect(lookups).toHaveLength(2);
      });
    });
  });
});
