/** Admin SQL as a sandbox: ClickHouse's own parse decides, limits run inside ClickHouse. */
export { createSqlSandbox } from './sandbox.js';
export type { SqlResult, SqlSandbox, SqlSandboxOptions } from './sandbox.js';
export { DEFAULT_SQL_LIMITS } from './limits.js';
export type { SqlLimits } from './limits.js';
export { sqlRoute } from './sql-route.js';
export type { SqlRouteOptions } from './sql-route.js';
