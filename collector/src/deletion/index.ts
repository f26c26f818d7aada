/**
 * Deletion: erase one execution, the executions matching a filter, or a
 * whole app, with lightweight deletes reflected by every read at once.
 * Registered by app.ts under /api/v1/admin.
 */
export { deletionRoutes } from './deletion-routes.js';
export type { DeletionRoutesOptions } from './deletion-routes.js';
export { createDeletionRepository } from './deletion-repository.js';
export type { DeletionRepository, DeletionFilter, DeletionRepositoryOptions } from './deletion-repository.js';
