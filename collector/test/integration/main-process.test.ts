/**
 * The collector as `npm start` runs it: the built main.js in its own process,
 * embedded ClickHouse in a fresh data folder, the default app's key printed,
 * XRAY_API_KEY honoured, bad configuration refused, SIGTERM handled.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>): Running {
  // gRPC on a free port: parallel test files must not contend for 4317.
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', XRAY_LOG_LEVEL: 'warn', XRAY_GRPC_PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(running: Running, pattern: RegExp, timeoutMillis = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const match = pattern.exec(running.output());
    if (match) return match;
    if (running.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never printed ${pattern}; output:\n${running.output()}`);
}

describe('collector main process', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'xray-main-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a default app on first start, prints its key that once, keeps it across restarts and exits cleanly on SIGTERM', async () => {
    const dataDir = newDir();
    const port = await freePort();
    const first = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
    const [, key] = await waitFor(first, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
    expect(first.output()).toContain(`http://127.0.0.1:${port}`);
    expect(statSync(join(dataDir, 'default-app.key')).mode & 0o777).toBe(0o600);

    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/executions`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // Printed once: later starts say where the key is, never the key.
    const second = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
    await waitFor(second, /App "default" API key:\s+in (\S+default-app\.key)/);
    expect(second.output()).not.toContain(key);
    expect(readFileSync(join(dataDir, 'default-app.key'), 'utf8').trim()).toBe(key);
    const still = await fetch(`http://127.0.0.1:${port}/api/v1/executions`, { headers: { authorization: `Bearer ${key}` } });
    expect(still.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('uses XRAY_API_KEY as the default app key when it is set', async () => {
    const port = await freePort();
    const apiKey = 'xr_chosen-by-the-operator-0001';
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), XRAY_API_KEY: apiKey });
    await waitFor(running, /App "default" API key:\s+the one in XRAY_API_KEY/);
    expect(running.output()).not.toContain(apiKey);
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/pipelines`, { headers: { 'x-api-key': apiKey } });
    expect(response.status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('registers XRAY_READ_API_KEY as a read-only key, applies the rate-limit defaults and keeps the master key in a 0600 file', async () => {
    const dataDir = newDir();
    const port = await freePort();
    const readKey = 'xr_grafana-read-only-key-0001';
    const adminToken = 'main-process-admin-token-01';
    const env = {
      XRAY_DATA_DIR: dataDir,
      XRAY_PORT: String(port),
      XRAY_READ_API_KEY: readKey,
      XRAY_ADMIN_TOKEN: adminToken,
      XRAY_RATE_LIMIT_RPS: '7',
      XRAY_RATE_LIMIT_BURST: '21',
    };
    for (const attempt of ['first start', 'restart']) {
      const running = run(env);
      await waitFor(running, /App "default" API key:/);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/api/v1/pipelines`, { headers: { 'x-api-key': readKey } })).status, attempt).toBe(200);
      const write = await fetch(`${base}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': readKey },
        body: '{"resourceSpans":[]}',
      });
      expect(write.status, attempt).toBe(403);
      const limits = await fetch(`${base}/api/v1/admin/apps/default/limits`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(await limits.json()).toMatchObject({ requestsPerSecond: 7, burst: 21, source: 'default' });
      expect(statSync(join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
    }
  });

  it('refuses to start on an invalid setting, naming the key and the value', async () => {
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: 'not-a-port' });
    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/XRAY_PORT="not-a-port"/);
  });
});
