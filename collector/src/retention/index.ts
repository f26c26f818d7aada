/**
 * Per-app retention: an app may keep raw data fewer days than the global
 * XRAY_RETENTION_DAYS; a sweeper trims it with lightweight deletes.
 * Registered by app.ts under /api/v1/admin.
 */
export { createRetentionRepository } from './retention-repository.js';
export type { AppRetention, RetentionRepository } from './retention-repository.js';
export { createRetentionSweeper } from './retention-sweeper.js';
export type { RetentionSweeper, RetentionSweeperOptions } from './retention-sweeper.js';
export { retentionRoutes } from './retention-routes.js';
export type { RetentionRoutesOptions } from './retention-routes.js';
