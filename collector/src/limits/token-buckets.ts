/**
 * Token buckets kept in memory, one per id (an app, a key). A bucket holds
 * up to `burst` tokens and refills at `requestsPerSecond`; a request takes one
 * token from every bucket it counts against, or none when any is empty.
 *
 * Why not @fastify/rate-limit: its local store counts requests in fixed
 * windows (a client may send `max` at the end of one window and `max` again
 * at the start of the next, twice the intended burst), it forgets counters
 * when its LRU is full, and it runs before we know the caller's app unless
 * the key is resolved twice. A token bucket is ~40 lines and gives exactly
 * "rate and burst" per app and per key.
 */
import type { RateLimit } from '../store/index.js';

/** Which bucket ran out, and how long until it holds one token again. */
export type TakeResult = { allowed: true } | { allowed: false; blockedBy: number; retryAfterSeconds: number };

export interface TokenBucketsOptions {
  now?: () => number;
  /** Buckets kept at most; full buckets (the same as new ones) are dropped first. */
  maxBuckets?: number;
}

export interface TokenBuckets {
  /**
   * Takes one token from each bucket, or none if one of them is empty
   * (`blockedBy` is its index in `requests`).
   */
  take(requests: readonly { id: string; limit: RateLimit }[]): TakeResult;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * @example
 * const buckets = createTokenBuckets();
 * buckets.take([{ id: 'app:checkout', limit: { requestsPerSecond: 200, burst: 400 } }]); // { allowed: true }
 */
export function createTokenBuckets(options: TokenBucketsOptions = {}): TokenBuckets {
  const now = options.now ?? Date.now;
  const maxBuckets = options.maxBuckets ?? 100_000;
  const buckets = new Map<string, Bucket>();

  function refill(id: string, limit: RateLimit, at: number): Bucket {
    const bucket = buckets.get(id);
    if (!bucket) {
      const fresh = { tokens: limit.burst, updatedAt: at };
      buckets.set(id, fresh);
      return fresh;
    }
    const elapsedSeconds = Math.max(0, at - bucket.updatedAt) / 1000;
    // min(): a lowered burst applies at once to a bucket that held more.
    bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsedSeconds * limit.requestsPerSecond);
    bucket.updatedAt = at;
    return bucket;
  }

  function evict(at: number, keep: ReadonlySet<string>): void {
    if (buckets.size <= maxBuckets) return;
    // A bucket untouched for long enough to refill is the same as a new one; an
    // hour is longer than any bucket with a rate of at least burst/3600 needs.
    for (const [id, bucket] of buckets) if (!keep.has(id) && at - bucket.updatedAt > 3_600_000) buckets.delete(id);
    for (const id of buckets.keys()) {
      if (buckets.size <= maxBuckets) break;
      if (!keep.has(id)) buckets.delete(id);
    }
  }

  return {
    take(requests) {
      const at = now();
      const current = requests.map(({ id, limit }) => refill(id, limit, at));
      evict(at, new Set(requests.map((r) => r.id)));
      const empty = current.findIndex((bucket) => bucket.tokens < 1);
      if (empty !== -1) {
        const { requestsPerSecond } = requests[empty].limit;
        const seconds = (1 - current[empty].tokens) / requestsPerSecond;
        return { allowed: false, blockedBy: empty, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
      }
      for (const bucket of current) bucket.tokens -= 1;
      return { allowed: true };
    },
    get size() {
      return buckets.size;
    },
  };
}
