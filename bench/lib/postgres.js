/**
 * A throwaway PostgreSQL cluster for the baseline: Debian's `postgresql`
 * binaries (/usr/lib/postgresql/<version>/bin), `initdb` in a temporary
 * folder, `pg_ctl start` on a free port on 127.0.0.1, removed at the end of
 * the run (or on any exit). PostgreSQL refuses to run as root, so as root the
 * cluster belongs to the `postgres` system user (runuser).
 *
 * The settings are those a database engineer would give a dedicated
 * analytics-capable box of this size (shared_buffers, work_mem, parallel
 * workers, SSD page costs); durability settings are relaxed only for the
 * load (fsync off), which changes nothing about read timings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTempDir, onCleanup } from './cleanup.js';
import { freePort } from './collector-process.js';

const PG_ROOT = '/usr/lib/postgresql';

/** The bin folder of the newest installed PostgreSQL, or undefined when none is installed. */
export function findPostgresBin() {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(PG_ROOT, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(PG_ROOT, versions[0], 'bin') : undefined;
}

/** uid/gid of the `postgres` user, read from `id`. */
function postgresUser() {
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

/**
 * @typedef {object} PostgresCluster
 * @property {string} version e.g. "15"
 * @property {{ host: string, port: number, user: string, database: string }} connection for `new pg.Client(...)`
 * @property {string} sharedDir a folder the server can read (for COPY FROM a file)
 * @property {() => void} stop fast shutdown and removal of the folder
 */

/**
 * Starts a fresh cluster; resolves once it accepts connections.
 *
 * @param {{ sharedBuffersMiB?: number, workMemMiB?: number }} [options]
 * @returns {Promise<PostgresCluster>}
 * @example
 * const cluster = await startPostgres();
 * const client = new pg.Client(cluster.connection);
 */
export async function startPostgres(options = {}) {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  const version = bin.split('/').at(-2);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : undefined;
  const dir = createTempDir('postgres');
  const dataDir = join(dir.path, 'data');
  const sharedDir = join(dir.path, 'shared');
  execFileSync('mkdir', ['-p', dataDir, sharedDir]);
  chmodSync(dir.path, 0o755);
  chmodSync(sharedDir, 0o777);
  if (owner) {
    chownSync(dataDir, owner.uid, owner.gid);
    chownSync(sharedDir, owner.uid, owner.gid);
  }
  const run = (command, args) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
    return result.stdout;
  };
  run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const settings = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dataDir}'`,
    shared_buffers: `${options.sharedBuffersMiB ?? 2048}MB`,
    work_mem: `${options.workMemMiB ?? 64}MB`,
    maintenance_work_mem: '1GB',
    effective_cache_size: '8GB',
    random_page_cost: '1.1',
    effective_io_concurrency: '200',
    max_parallel_workers_per_gather: '2',
    max_wal_size: '8GB',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    autovacuum: 'off',
  };
  const postgresOptions = Object.entries(settings).map(([key, value]) => `-c ${key}=${value}`).join(' ');
  const stopNow = onCleanup(() => {
    try {
      run('pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']);
    } catch {
      // not running
    }
  });
  run('pg_ctl', ['-D', dataDir, '-l', join(sharedDir, 'server.log'), '-w', '-t', '60', '-o', postgresOptions, 'start']);
  return {
    version,
    connection: { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' },
    sharedDir,
    stop() {
      stopNow();
      dir.remove();
    },
  };
}
