/**
 * Who holds an embedded ClickHouse data folder. chDB, like clickhouse-server
 * (StatusFile), takes an exclusive flock(2) on `<folder>/status` and writes
 * its process id there ("PID: 1234"); a second process on the same folder
 * fails to open it, and chDB prints its own "Cannot lock file" line. So the
 * lock itself is tested first, with util-linux's `flock -n` (the same
 * flock(2), no string matching), and the file read only to name the holder:
 * a process id alone may be stale or reused.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `flock`'s exit code for "held by someone else", chosen with -E so it cannot be confused with other failures. */
const LOCK_CONFLICT = 75;

/**
 * True when another process holds the data folder's lock; false when it is
 * free; undefined when it cannot tell (no `flock` command, no status file yet).
 *
 * @example
 * if (isDataDirLocked(join(dataDir, 'clickhouse'))) … // another collector runs on it
 */
export function isDataDirLocked(chdbDataDir: string): boolean | undefined {
  const status = join(chdbDataDir, 'status');
  if (!existsSync(status)) return undefined;
  const result = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(LOCK_CONFLICT), status, 'true'], { stdio: 'ignore' });
  if (result.error || result.status === null) return undefined;
  if (result.status === LOCK_CONFLICT) return true;
  return result.status === 0 ? false : undefined;
}

/** The process id in `<dataDir>/status`, when the file names a live process other than this one (used once the lock says it is held). */
export function findDataDirHolder(
  chdbDataDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
  selfPid: number = process.pid,
): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(chdbDataDir, 'status'), 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n').find((entry) => entry.startsWith('PID:'));
  const pid = line === undefined ? NaN : Number(line.slice('PID:'.length).trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === selfPid) return undefined;
  return isAlive(pid) ? pid : undefined;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
