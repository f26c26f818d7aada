/**
 * The collector as `npm start` runs it: the built main.js in its own process,
 * embedded ClickHouse in a fresh data folder, the default app's key printed,
 * XRAY_API_KEY honoured, bad configuration refused, SIGTERM handled.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runCollector as run, stopCollector, useTempDirs, waitForOutput as waitFor } from '../support/collector-process.js';

describe('collector main process', () => {
  const newDir = useTempDirs('xray-main-');

  it('creates a default app on first start, prints its key that once, keeps it across restarts and exits cleanly on SIGTERM', async () => {
    const dataDir = newDir();
    const port = await freePort();
    const first = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
    const [, key] = await waitFor(first, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
    expect(first.output()).toContain(`http://127.0.0.1:${port}`);
    expect(statSync(join(dataDir, 'default-app.key')).mode & 0o777).toBe(0o600);

    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/executions`, { headers: { authorization: `Bearer ${key}` } });
    expect(ok.status).toBe(200);
    expect(await stopCollector(first)).toBe(0);

    // Printed once: later starts say where the key is, never the key.
    const second = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
    await waitFor(second, /App "default" API key:\s+in (\S+default-app\.key)/);
    expect(second.output()).not.toContain(key);
    expect(readFileSync(join(dataDir, 'default-app.key'), 'utf8').trim()).toBe(key);
    const still = await fetch(`http://127.0.0.1:${port}/api/v1/executions`, { headers: { authorization: `Bearer ${key}` } });
    expect(still.status).toBe(200);
    expect(await stopCollector(second)).toBe(0);
  });

  it('uses XRAY_API_KEY as the default app key when it is set', async () => {
    const port = await freePort();
    const apiKey = 'xr_chosen-by-the-operator-0001';
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), XRAY_API_KEY: apiKey });
    await waitFor(running, /App "default" API key:\s+the one in XRAY_API_KEY/);
    expect(running.output()).not.toContain(apiKey);
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/pipelines`, { headers: { 'x-api-key': apiKey } });
    expect(response.status).toBe(200);
    expect(await stopCollector(running)).toBe(0);
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
      expect(await stopCollector(running)).toBe(0);
    }
  });

  it('logs no line per request at the default info level, and one per request with XRAY_LOG_REQUESTS=true', async () => {
    for (const [logRequests, expected] of [['false', 0], ['true', 3]] as const) {
      const port = await freePort();
      const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), XRAY_LOG_LEVEL: 'info', XRAY_LOG_REQUESTS: logRequests });
      const [, key] = await waitFor(running, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/pipelines`, { headers: { authorization: `Bearer ${key}` } });
        expect(response.status).toBe(200);
      }
      expect(await stopCollector(running)).toBe(0);
      const requestLines = running.output().split('\n').filter((line) => line.includes('"url":"/api/v1/pipelines"'));
      expect(requestLines).toHaveLength(expected);
      expect(running.output()).not.toContain('incoming request');
    }
  });

  it('refuses to start on an invalid setting, naming the key and the value', async () => {
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: 'not-a-port' });
    expect(await running.exited).toBe(2);
    expect(running.output()).toMatch(/XRAY_PORT="not-a-port"/);
  });
});
