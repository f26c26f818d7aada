/** Start-up checks and the messages and exit codes of start-up failures (used by main.ts). */
export { findDataDirHolder, isDataDirLocked } from './data-dir-lock.js';
export { checkDataDirFree, checkMigrationsDir, describeStartupFailure, explainStoreFailure, withoutCredentials } from './explain-failure.js';
export { explainListenError, reservePort } from './reserve-port.js';
export type { ReservedPort } from './reserve-port.js';
export { STARTUP_EXIT, StartupError } from './startup-error.js';
export type { StartupFailureKind } from './startup-error.js';
