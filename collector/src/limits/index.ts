/** Rate limits per app and per key: the limiter and its admin routes. */
export { createRateLimiter, rateLimitMessage } from './rate-limiter.js';
export type { LimitedRoute, RateDecision, RateLimiter, RateLimiterOptions } from './rate-limiter.js';
export { limitsRoutes } from './limits-routes.js';
export type { LimitsRoutesOptions } from './limits-routes.js';
