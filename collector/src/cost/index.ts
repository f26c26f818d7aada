/**
 * Cost and token analytics: the price table that fills in the cost of
 * steps with gen_ai usage but no cost (at ingest, stored as estimated), and
 * GET /api/v1/stats/cost. Registered by app.ts.
 */
export { costRoutes } from './cost-routes.js';
export type { CostRoutesOptions } from './cost-routes.js';
export { createCostRepository } from './cost-repository.js';
export type { CostRepository } from './cost-repository.js';
export { COST_ESTIMATED, estimateCosts, rowMapper } from './estimate-costs.js';
export { createPriceLookup, loadPriceTable } from './price-table.js';
export type { PriceLookup, PriceTable } from './price-table.js';
