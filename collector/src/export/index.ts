/** Export: executions (and steps) streamed as NDJSON, CSV or JSON in bounded chunks. */
export { createExportRepository } from './export-repository.js';
export type { ExportRepository } from './export-repository.js';
export { exportRoutes } from './export-routes.js';
