/**
 * Runs the built collector (`collector/dist/main.js`) in a child process, the
 * way a user starts it, on a fresh data folder and a free port. A child is
 * required, not a convenience: chDB binds one data folder per process, and
 * the bench process holds its own engine for the baseline.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createTempDir, onCleanup } from './cleanup.js';
import { request } from './http-client.js';
import { COLLECTOR_ENV, COLLECTOR_NODE_FLAGS } from '../../collector/dist/launch.js';

const MAIN = fileURLToPath(new URL('../../collector/dist/main.js', import.meta.url));
const START_TIMEOUT_MILLIS = 60_000;
const STOP_TIMEOUT_MILLIS = 30_000;

/** Asks the OS for a free port on 127.0.0.1 (the collector's XRAY_PORT=0 does not report the one it got). */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

const sleep = (millis) => new Promise((resolve) => setTimeout(resolve, millis));

/**
 * @typedef {object} CollectorProcess
 * @property {string} url base URL, e.g. http://127.0.0.1:43121
 * @property {number} pid the collector's process id (for reading its memory from /proc)
 * @property {string} apiKey the default app's key
 * @property {string} adminToken token for /api/v1/admin
 * @property {string} dataDir
 * @property {(sql: string) => Promise<Record<string, unknown>[]>} sql read-only SQL through the admin API
 * @property {() => Promise<string>} metrics the Prometheus text of /metrics
 * @property {() => Promise<void>} stop SIGTERM (graceful: pending rows are written), SIGKILL after a timeout
 */

/**
 * Starts a collector and resolves once it answers /readyz.
 *
 * @param {{ cpuProfileDir?: string, env?: Record<string, string>, data?: { path: string, remove: () => void }, dataDir?: string }} [options]
 *   `data`: a folder (from createTempDir) that already holds data, e.g. seeded in this process and closed; removed on stop.
 *   `dataDir`: an existing data folder to open instead of a fresh one (the caller removes it)
 * @returns {Promise<CollectorProcess>}
 * @example
 * const collector = await startCollector();
 * try { ... } finally { await collector.stop(); }
 */
export async function startCollector(options = {}) {
  const data = options.data ?? (options.dataDir ? { path: options.dataDir, remove: () => {} } : createTempDir('collector'));
  const port = await freePort();
  const apiKey = `xr_bench_${randomBytes(12).toString('hex')}`;
  const adminToken = `bench-admin-${randomBytes(12).toString('hex')}`;
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const child = spawn(process.execPath, [...COLLECTOR_NODE_FLAGS, ...nodeArgs, MAIN], {
    // As `npm start` runs it: COLLECTOR_ENV unless the bench's own environment sets a variable of it.
    env: {
      ...COLLECTOR_ENV,
      ...process.env,
      XRAY_DATA_DIR: data.path,
      XRAY_HOST: '127.0.0.1',
      XRAY_PORT: String(port),
      XRAY_GRPC_PORT: 'off',
      XRAY_API_KEY: apiKey,
      XRAY_ADMIN_TOKEN: adminToken,
      XRAY_LOG_LEVEL: 'warn',
      // The benchmarks measure throughput, not the per-app rate limit.
      XRAY_RATE_LIMIT_RPS: '1000000',
      XRAY_RATE_LIMIT_BURST: '10000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  // The collector logs to stdout (pino, XRAY_LOG_LEVEL=warn): its errors are
  // echoed to the bench's stderr, so a failing or stuck run says why.
  let logTail = '';
  child.stdout.on('data', (chunk) => {
    const lines = (logTail + chunk).split('\n');
    logTail = lines.pop() ?? '';
    for (const line of lines) if (/"level":(50|60)/.test(line)) process.stderr.write(`[collector] ${line.slice(0, 2000)}\n`);
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  let exited = false;
  const exitedPromise = once(child, 'exit').then(([code, signal]) => {
    exited = true;
    return { code, signal };
  });
  const killNow = onCleanup(() => {
    if (!exited) child.kill('SIGKILL');
  });

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MILLIS;
  for (;;) {
    if (exited) {
      data.remove();
      throw new Error(`collector exited during start-up:\n${stderr}`);
    }
    // A probe with a deadline: until Fastify listens, the collector holds its port with a bare socket
    // (startup/reserve-port.ts) that accepts a connection and never answers it.
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((reply) => reply.status === 200, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      killNow();
      data.remove();
      throw new Error(`collector not ready after ${START_TIMEOUT_MILLIS} ms:\n${stderr}`);
    }
    await sleep(100);
  }

  return {
    url,
    pid: child.pid ?? 0,
    apiKey,
    adminToken,
    dataDir: data.path,
    async sql(sql) {
      const reply = await request(`${url}/api/v1/admin/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql }),
      });
      if (reply.status !== 200) throw new Error(`admin SQL answered ${reply.status}: ${reply.body.toString('utf8')}`);
      return JSON.parse(reply.body.toString('utf8')).rows;
    },
    async metrics() {
      return (await request(`${url}/metrics`)).body.toString('utf8');
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MILLIS);
        const { code, signal } = await exitedPromise;
        clearTimeout(timer);
        if (code !== 0) process.stderr.write(`[bench] collector stopped with code ${code} signal ${signal}\n${stderr}\n`);
      }
      killNow();
      data.remove();
    },
  };
}

/**
 * Reads a metric from Prometheus text: the sum over every series of that name,
 * whatever its labels.
 *
 * @param {string} text
 * @param {string} name e.g. `xray_insert_batch_rows_sum`
 * @returns {number}
 */
export function metricValue(text, name) {
  let total = 0;
  let found = false;
  for (const sample of metricSamples(text)) {
    if (sample.name === name) {
      total += sample.value;
      found = true;
    }
  }
  return found ? total : Number.NaN;
}

/**
 * One series of a metric in Prometheus text, by its exact label set as
 * printed (`{kind="file"}`, or '' for none); NaN when absent.
 *
 * @param {string} text
 * @param {string} name
 * @param {string} [labels]
 */
export function metricSample(text, name, labels = '') {
  for (const sample of metricSamples(text)) if (sample.name === name && sample.labels === labels) return sample.value;
  return Number.NaN;
}

/** @param {string} text */
function* metricSamples(text) {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match) yield { name: match[1], labels: match[2] ?? '', value: Number(match[3]) };
  }
}
