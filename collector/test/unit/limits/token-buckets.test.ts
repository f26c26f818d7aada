import { describe, expect, it } from 'vitest';
import { createTokenBuckets } from '../../../src/limits/token-buckets.js';

function setup(maxBuckets?: number) {
  let clock = 1_000_000;
  const buckets = createTokenBuckets({ now: () => clock, maxBuckets });
  return {
    buckets,
    advance(millis: number) {
      clock += millis;
    },
  };
}

const limit = { requestsPerSecond: 10, burst: 5 };

describe('limits/token-buckets', () => {
  describe('createTokenBuckets', () => {
    describe('take', () => {
      it('allows a full burst at once, then refuses with the seconds until a token is back', () => {
        const { buckets } = setup();
        for (let i = 0; i < 5; i++) expect(buckets.take([{ id: 'a', limit }])).toEqual({ allowed: true });
        expect(buckets.take([{ id: 'a', limit }])).toEqual({ allowed: false, blockedBy: 0, retryAfterSeconds: 1 });
      });

      it('refills at the rate, never above the burst', () => {
        const { buckets, advance } = setup();
        for (let i = 0; i < 5; i++) buckets.take([{ id: 'a', limit }]);
        advance(100); // one token at 10/s
        expect(buckets.take([{ id: 'a', limit }]).allowed).toBe(true);
        expect(buckets.take([{ id: 'a', limit }]).allowed).toBe(false);
        advance(60_000);
        let allowed = 0;
        while (buckets.take([{ id: 'a', limit }]).allowed) allowed++;
        expect(allowed).toBe(5);
      });

      it('holds the long-run rate: 10/s over 10 s of constant pressure lets 5 + 100 through', () => {
        const { buckets, advance } = setup();
        let allowed = 0;
        for (let ms = 0; ms < 10_000; ms += 10) {
          for (let i = 0; i < 3; i++) if (buckets.take([{ id: 'a', limit }]).allowed) allowed++;
          advance(10);
        }
        expect(allowed).toBe(5 + 99); // the last refill lands after the loop
      });

      it('rounds Retry-After up to whole seconds for slow rates', () => {
        const { buckets } = setup();
        const slow = { requestsPerSecond: 0.25, burst: 1 };
        expect(buckets.take([{ id: 's', limit: slow }]).allowed).toBe(true);
        expect(buckets.take([{ id: 's', limit: slow }])).toMatchObject({ allowed: false, retryAfterSeconds: 4 });
      });

      it('keeps ids apart: one empty bucket does not slow another', () => {
        const { buckets } = setup();
        for (let i = 0; i < 50; i++) buckets.take([{ id: 'flooder', limit }]);
        for (let i = 0; i < 5; i++) expect(buckets.take([{ id: 'quiet', limit }]).allowed).toBe(true);
      });

      it('takes from every bucket or from none, and says which one was empty', () => {
        const { buckets } = setup();
        const small = { requestsPerSecond: 1, burst: 1 };
        expect(buckets.take([{ id: 'key', limit: small }, { id: 'app', limit }]).allowed).toBe(true);
        // The key is empty: the app keeps its tokens.
        expect(buckets.take([{ id: 'key', limit: small }, { id: 'app', limit }])).toMatchObject({ allowed: false, blockedBy: 0 });
        let appAllowed = 0;
        while (buckets.take([{ id: 'other-key', limit }, { id: 'app', limit }]).allowed) appAllowed++;
        expect(appAllowed).toBe(4);
        expect(buckets.take([{ id: 'third-key', limit }, { id: 'app', limit }])).toMatchObject({ allowed: false, blockedBy: 1 });
      });

      it('applies a lowered burst at once', () => {
        const { buckets } = setup();
        buckets.take([{ id: 'a', limit: { requestsPerSecond: 10, burst: 100 } }]);
        const lowered = { requestsPerSecond: 10, burst: 2 };
        expect(buckets.take([{ id: 'a', limit: lowered }]).allowed).toBe(true);
        expect(buckets.take([{ id: 'a', limit: lowered }]).allowed).toBe(true);
        expect(buckets.take([{ id: 'a', limit: lowered }]).allowed).toBe(false);
      });

      it('keeps at most maxBuckets, dropping idle ones first', () => {
        const { buckets, advance } = setup(3);
        buckets.take([{ id: 'idle', limit }]);
        advance(3_600_001);
        for (const id of ['b', 'c', 'd']) buckets.take([{ id, limit }]);
        expect(buckets.size).toBe(3);
        for (const id of ['e', 'f']) buckets.take([{ id, limit }]);
        expect(buckets.size).toBe(3);
      });
    });
  });
});
