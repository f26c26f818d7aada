/**
 * Who holds an embedded ClickHouse data folder. chDB, like clickhouse-server,
 * locks `<folder>/status` and writes its process id there ("PID: 1234"); a
 * second process on the same folder fails to open it. After such a failure
 * this reads that file to name the holder. It is consulted only after chDB
 * refused (chDB's lock is the authority), never to decide on its own: a
 * stale file may name a process id that has since been reused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The process id in `<dataDir>/status`, when the file names a live process other than this one. */
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
