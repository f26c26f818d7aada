/** Live tail: a hub fed by the insert batcher and the SSE route that follows it. */
export { createLiveHub } from './live-hub.js';
export type { LiveHub } from './live-hub.js';
export { createLiveRepository } from './live-repository.js';
export { liveRoutes } from './live-routes.js';
export type { LiveRoutesOptions } from './live-routes.js';
