/**
 * Rate limits per app and per key: every request counts against its app's
 * bucket (the app's rate and burst, or the collector's defaults) and its
 * key's bucket (the app's per-key limit, or the app's own), so one app's flood
 * never uses another app's budget, and one key (a leaked one, a runaway
 * dashboard) cannot use more than its app allows it. The buckets live in this
 * process: N collectors behind a load balancer allow up to N times the rate.
 */
import type { AppSettings, RateLimit } from '../store/index.js';
import { createTokenBuckets } from './token-buckets.js';

export type LimitedRoute = 'ingest' | 'read';

export type RateDecision = { allowed: true } | { allowed: false; limit: 'app' | 'key'; retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** The app's settings (cached by the caller). */
  settingsOf: (appId: string) => Promise<Pick<AppSettings, 'rateLimit' | 'keyRateLimit'>>;
  /** For apps without their own limit (XRAY_RATE_LIMIT_RPS / XRAY_RATE_LIMIT_BURST). */
  defaults: RateLimit;
  /** Told about each refused request (metrics). */
  onLimited?: (appId: string, limit: 'app' | 'key', route: LimitedRoute) => void;
  now?: () => number;
}

export interface RateLimiter {
  check(caller: { appId: string; keyPrefix: string }, route: LimitedRoute): Promise<RateDecision>;
  /** The limits in force for an app: its own or the defaults. */
  limitsOf(appId: string): Promise<{ app: RateLimit; key: RateLimit }>;
}

/** The message of a 429: who is over which limit, and when to come back (names a key only by its prefix). */
export function rateLimitMessage(caller: { appId: string; keyPrefix: string }, decision: RateDecision & { allowed: false }): string {
  const who = decision.limit === 'key' ? `Key ${caller.keyPrefix}…` : `App ${JSON.stringify(caller.appId)}`;
  return `${who} is over its rate limit; retry in ${decision.retryAfterSeconds} s`;
}

/**
 * @example
 * const limiter = createRateLimiter({ settingsOf: (appId) => settings.get(appId), defaults: { requestsPerSecond: 200, burst: 400 } });
 * const decision = await limiter.check({ appId: 'checkout', keyPrefix: 'xr_AbCd1234' }, 'ingest');
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const buckets = createTokenBuckets({ now: options.now });

  async function limitsOf(appId: string) {
    const settings = await options.settingsOf(appId);
    const app = settings.rateLimit ?? options.defaults;
    return { app, key: settings.keyRateLimit ?? app };
  }

  return {
    limitsOf,
    async check(caller, route) {
      const limits = await limitsOf(caller.appId);
      // The key first: a key over its own limit must not use up its app's tokens.
      const result = buckets.take([
        { id: `key\u0000${caller.appId}\u0000${caller.keyPrefix}`, limit: limits.key },
        { id: `app\u0000${caller.appId}`, limit: limits.app },
      ]);
      if (result.allowed) return result;
      const limit = result.blockedBy === 0 ? 'key' : 'app';
      options.onLimited?.(caller.appId, limit, route);
      return { allowed: false, limit, retryAfterSeconds: result.retryAfterSeconds };
    },
  };
}
