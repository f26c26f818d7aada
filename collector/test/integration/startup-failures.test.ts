/**
 * The collector started (as `npm start` does: the built main.js in its own
 * process) into each start-up failure an operator meets: the port taken,
 * the data folder held by another collector, a secret with a bad value,
 * ClickHouse unreachable, a host that is not this machine's. Each must end
 * with its own exit code and a short message naming the problem and the fix,
 * never a stack trace and never a secret's value.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STARTUP_EXIT } from '../../src/startup/index.js';
import { freePort as closedPort, runCollector as run, stopCollector, useTempDirs, waitForOutput as waitFor } from '../support/collector-process.js';

async function listenAnywhere(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

/** The collector's own lines: chDB's engine may add one line of its own on stderr before ours. */
function ourLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !/DB::Exception/.test(line));
}

describe('collector start-up failures', () => {
  const newDir = useTempDirs('xray-startup-');

  it('names the taken port and the fix, exits 3, and touches no data (the port is checked before migrations)', async () => {
    const { server, port } = await listenAnywhere();
    try {
      const dataDir = newDir();
      const running = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(port) });
      expect(await running.exited).toBe(STARTUP_EXIT.port);
      const lines = ourLines(running.stderr());
      expect(lines.length).toBeLessThanOrEqual(2);
      expect(lines[0]).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(lines[1]).toContain('XRAY_PORT=');
      expect(running.stderr()).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dataDir, 'clickhouse'))).toBe(false);
    } finally {
      server.close();
    }
  });

  it('names a taken OTLP/gRPC port and XRAY_GRPC_PORT, exits 3, and touches no data', async () => {
    const { server, port } = await listenAnywhere();
    try {
      const dataDir = newDir();
      const running = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(await closedPort()), XRAY_GRPC_PORT: String(port) });
      expect(await running.exited).toBe(STARTUP_EXIT.port);
      const lines = ourLines(running.stderr());
      expect(lines[0]).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(lines[1]).toContain('XRAY_GRPC_PORT=');
      expect(existsSync(join(dataDir, 'clickhouse'))).toBe(false);
    } finally {
      server.close();
    }
  });

  it('names the data folder, the process holding it and how to point elsewhere when another collector runs on it, and exits 4', async () => {
    const dataDir = newDir();
    const first = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(await closedPort()) });
    try {
      await waitFor(first, /API key:/);
      const second = run({ XRAY_DATA_DIR: dataDir, XRAY_PORT: String(await closedPort()) });
      expect(await second.exited).toBe(STARTUP_EXIT.dataDirInUse);
      // The lock is tested before chDB opens the folder, so chDB's own error line never appears.
      const lines = second.stderr().trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain(`The data folder ${dataDir} is in use by another process (pid ${first.child.pid}`);
      expect(lines[1]).toContain('XRAY_DATA_DIR=');
      expect(second.stderr()).not.toMatch(/\n\s+at /);
      // The first collector is unharmed.
      expect(first.child.exitCode).toBeNull();
    } finally {
      await stopCollector(first);
    }
  });

  it.each([
    ['XRAY_ADMIN_TOKEN', 'short-secret'],
    ['XRAY_API_KEY', 'not-a-key-but-secret-anyway'],
  ])('names %s without echoing its value, and exits 2', async (key, value) => {
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(await closedPort()), [key]: value });
    expect(await running.exited).toBe(STARTUP_EXIT.config);
    expect(running.stderr()).toContain(key);
    expect(running.stderr()).toContain(`(hidden, ${value.length} characters)`);
    expect(running.stderr()).not.toContain(value);
  });

  it('names an unreachable ClickHouse server without its password, and exits 5', async () => {
    const port = await closedPort();
    const running = run({
      XRAY_DATA_DIR: newDir(),
      XRAY_PORT: String(await closedPort()),
      CLICKHOUSE_URL: `http://127.0.0.1:${port}`,
      CLICKHOUSE_PASSWORD: 'pa55word-never-printed',
      CLICKHOUSE_REQUEST_TIMEOUT_MILLIS: '2000',
    });
    expect(await running.exited).toBe(STARTUP_EXIT.store);
    const lines = ourLines(running.stderr());
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines[0]).toContain(`Cannot use ClickHouse at http://127.0.0.1:${port}`);
    expect(lines[1]).toContain('CLICKHOUSE_URL');
    expect(running.stderr()).not.toContain('pa55word');
  });

  it('names a migrations folder that does not exist as a setting to fix, and exits 2', async () => {
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: String(await closedPort()), XRAY_MIGRATIONS_DIR: '/nowhere/migrations' });
    expect(await running.exited).toBe(STARTUP_EXIT.config);
    expect(ourLines(running.stderr())).toEqual([
      'X-Ray collector did not start: The migrations folder /nowhere/migrations does not exist.',
      'Set XRAY_MIGRATIONS_DIR to the clickhouse/migrations folder of X-Ray, or unset it to use the one shipped with the collector.',
    ]);
  });

  it('names a bad price table (XRAY_PRICE_TABLE) and the entry that is wrong, and exits 2', async () => {
    const running = run({
      XRAY_DATA_DIR: newDir(),
      XRAY_PORT: String(await closedPort()),
      XRAY_PRICE_TABLE: '{"models": [{"model": "gpt-4o*", "inputPerMillionUsd": "2.5", "outputPerMillionUsd": 10}]}',
    });
    expect(await running.exited).toBe(STARTUP_EXIT.config);
    expect(running.stderr()).toContain('XRAY_PRICE_TABLE=');
    expect(running.stderr()).toContain('models.0.inputPerMillionUsd');
  });

  it('says when XRAY_HOST is not an address of this machine, and exits 3', async () => {
    const running = run({ XRAY_DATA_DIR: newDir(), XRAY_PORT: '0', XRAY_HOST: '192.0.2.1' });
    expect(await running.exited).toBe(STARTUP_EXIT.port);
    expect(running.stderr()).toContain('XRAY_HOST="192.0.2.1" is not an address of this machine');
  });
});
