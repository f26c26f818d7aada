/** Compare two executions: step-tree alignment and structural diff (pure) and the route serving it. */
export { compareRoutes } from './compare-routes.js';
export type { CompareRoutesOptions } from './compare-routes.js';
