/**
 * Turns whatever stopped the start-up into what the operator reads: a
 * StartupError already says it; a ConfigError names the key; a failure while
 * opening ClickHouse names the folder or server and the fix. Only a failure
 * nobody foresaw prints a stack.
 */
import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../config.js';
import type { CollectorConfig } from '../config.js';
import { findDataDirHolder, isDataDirLocked } from './data-dir-lock.js';
import { STARTUP_EXIT, StartupError } from './startup-error.js';

/** A URL without the user and password it may carry. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(an unparseable URL)';
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}

/**
 * A migrations folder that does not exist is a setting to fix, not a
 * ClickHouse failure: say so before anything starts.
 *
 * @example
 * checkMigrationsDir(config.migrationsDir); // throws StartupError('config') naming XRAY_MIGRATIONS_DIR
 */
export function checkMigrationsDir(dir: string): void {
  if (existsSync(dir) && statSync(dir).isDirectory()) return;
  throw new StartupError(
    'config',
    `The migrations folder ${dir} does not exist.\nSet XRAY_MIGRATIONS_DIR to the clickhouse/migrations folder of X-Ray, or unset it to use the one shipped with the collector.`,
  );
}

function dataDirInUse(dataDir: string, holder: number | undefined, cause?: unknown): StartupError {
  const who = holder === undefined ? 'another process' : `another process (pid ${holder}, most likely another X-Ray collector)`;
  return new StartupError(
    'dataDirInUse',
    `The data folder ${dataDir} is in use by ${who}: embedded ClickHouse lets one process at a time open it.\n` +
      `Stop that process, or give this collector its own folder: XRAY_DATA_DIR=/path/to/other-folder npm start.`,
    { cause },
  );
}

/**
 * Before opening embedded ClickHouse: refuses a data folder another process
 * holds, with the message of explainStoreFailure and without chDB's own error
 * line. Does nothing for a ClickHouse server, or when the lock cannot be tested.
 *
 * @example
 * checkDataDirFree(config); // throws StartupError('dataDirInUse') naming the folder and the holder
 */
export function checkDataDirFree(config: Pick<CollectorConfig, 'clickhouse' | 'dataDir'>): void {
  if (config.clickhouse.kind !== 'embedded') return;
  if (isDataDirLocked(config.clickhouse.dataDir) === true) throw dataDirInUse(config.dataDir, findDataDirHolder(config.clickhouse.dataDir));
}

/**
 * Explains a failure of opening the store (backend, migrations, retention).
 *
 * @example
 * const store = await openStore(…).catch((error) => { throw explainStoreFailure(error, config); });
 */
export function explainStoreFailure(error: unknown, config: Pick<CollectorConfig, 'clickhouse' | 'dataDir'>): StartupError {
  const clickhouse = config.clickhouse;
  if (clickhouse.kind === 'embedded') {
    // Another start may have taken the folder between checkDataDirFree and the open.
    const holder = findDataDirHolder(clickhouse.dataDir);
    if (holder !== undefined || isDataDirLocked(clickhouse.dataDir) === true) return dataDirInUse(config.dataDir, holder, error);
    return new StartupError(
      'store',
      `Cannot open embedded ClickHouse in ${clickhouse.dataDir}: ${firstLine(error)}\n` +
        `Check that the folder is writable and on a local disk, or set XRAY_DATA_DIR to another folder.`,
      { cause: error },
    );
  }
  return new StartupError(
    'store',
    `Cannot use ClickHouse at ${withoutCredentials(clickhouse.url)} (database ${clickhouse.database}): ${firstLine(error)}\n` +
      `Check that the server is running and that CLICKHOUSE_URL, CLICKHOUSE_USER and CLICKHOUSE_PASSWORD are right.`,
    { cause: error },
  );
}

/**
 * The text to print and the exit code for any start-up failure.
 *
 * @example
 * main().catch((error) => { const { text, exitCode } = describeStartupFailure(error); process.stderr.write(text); process.exit(exitCode); });
 */
export function describeStartupFailure(error: unknown): { text: string; exitCode: number } {
  if (error instanceof StartupError) return { text: `X-Ray collector did not start: ${error.message}\n`, exitCode: error.exitCode };
  if (error instanceof ConfigError) return { text: `X-Ray collector did not start: ${error.message}\n`, exitCode: STARTUP_EXIT.config };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { text: `X-Ray collector failed to start (unexpected error):\n${detail}\n`, exitCode: STARTUP_EXIT.unexpected };
}
