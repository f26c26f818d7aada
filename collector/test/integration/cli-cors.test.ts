/**
 * `xray cors` as a child process against a real collector: the allow-list it
 * sets is what the collector then enforces on /v1/traces preflights.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

const cliPath = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

describe('xray cors', () => {
  let harness: Harness;
  let dataDir: string;

  beforeAll(async () => {
    harness = await startCollector();
    dataDir = mkdtempSync(join(tmpdir(), 'xray-cli-cors-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  function xray(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', XRAY_DATA_DIR: dataDir, XRAY_URL: harness.url, XRAY_ADMIN_TOKEN: harness.adminToken },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }

  const preflight = (origin: string) =>
    fetch(`${harness.url}/v1/traces`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });

  it('sets, shows and clears the origins, and the collector enforces them', async () => {
    expect((await xray(['cors', 'get', harness.appId])).stdout).toBe(`App "${harness.appId}" accepts spans from no browser origin.\n`);

    const set = await xray(['cors', 'set', harness.appId, 'https://shop.example.com', 'http://localhost:5173']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('  https://shop.example.com\n  http://localhost:5173');
    expect((await preflight('https://shop.example.com')).status).toBe(204);

    const json = await xray(['cors', 'get', harness.appId, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ appId: harness.appId, allowedOrigins: ['https://shop.example.com', 'http://localhost:5173'] });

    const bad = await xray(['cors', 'set', harness.appId, 'https://shop.example.com/']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^XRAY_ERR_VALIDATION: /);

    expect((await xray(['cors', 'set', harness.appId])).stdout).toContain('no browser origin');
    expect((await preflight('https://shop.example.com')).status).toBe(403);
  });
});
