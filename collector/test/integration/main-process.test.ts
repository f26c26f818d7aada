/**
 * The collector as `npm start` runs it: the built main.js in its own process,
 * embedded ClickHouse in a fresh data folder, the default app's key printed,
 * XRAY_API_KEY honoured, bad configuration refused, SIGTERM handled.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runCollector as run, useTempDirs, waitForOutput as waitFor } from '../support/collector-process.js';

describe('collector main process', () => {
  const newDir = useTempDirs('xray-main-');

  it('creates a default app on first start, prints its key, keeps it across restarts and exits cleanly on SIGTERM', async () => {
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

    const second = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
    const [, again] = await waitFor(second, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
    expect(again).toBe(key);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('uses XRAY_API_KEY as the default app key when it is set', async () => {
    const port = await freePort();
    const apiKey = 'xr_chosen-by-the-operator-0001';
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(port), XRAY_API_KEY: apiKey });
    const [, printed] = await waitFor(running, /App "default" API key:\s+(xr_[A-Za-z0-9_-]+)/);
    expect(printed).toBe(apiKey);
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/pipelines`, { headers: { 'x-api-key': apiKey } });
    expect(response.status).toBe(200);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
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
      running.child.kill('SIGTERM');
      expect(await running.exited).toBe(0);
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
