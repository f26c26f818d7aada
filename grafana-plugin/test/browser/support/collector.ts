/**
 * Starts the real X-Ray collector (the repository's collector/dist/main.js,
 * built by the root `npm run build`) on 127.0.0.1 with a fresh data folder,
 * and stops it. The port is the one the collector reports after binding
 * port 0, so parallel runs never collide.
 */
import { type ChildProcess, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';

export const COLLECTOR_MAIN =
  process.env.XRAY_COLLECTOR_MAIN ?? path.resolve(__dirname, '../../../../collector/dist/main.js');

export interface RunningCollector {
  url: string;
  apiKey: string;
  /** XRAY_ADMIN_TOKEN: tests that need their own app create it with the admin API. */
  adminToken: string;
  pid: number;
  dataDir: string;
  stop: () => Promise<void>;
}

export async function startCollector(apiKey: string, timeoutMillis = 60_000): Promise<RunningCollector> {
  const adminToken = `xray-admin-${randomBytes(16).toString('hex')}`;
  if (!fs.existsSync(COLLECTOR_MAIN)) {
    throw new Error(
      `The collector is not built (${COLLECTOR_MAIN} is missing). Run \`npm run build\` at the repository root first.`
    );
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xray-plugin-test-'));
  const child: ChildProcess = spawn(process.execPath, [COLLECTOR_MAIN], {
    env: {
      ...process.env,
      XRAY_HOST: '127.0.0.1',
      XRAY_PORT: '0',
      XRAY_DATA_DIR: dataDir,
      XRAY_API_KEY: apiKey,
      XRAY_ADMIN_TOKEN: adminToken,
      XRAY_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The collector did not start in ${timeoutMillis} ms:\n${output}`)),
      timeoutMillis
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[\d.:]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The collector exited with ${code} before listening:\n${output}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) {
        resolve();
        return;
      }
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(kill);
        fs.rmSync(dataDir, { recursive: true, force: true });
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { url, apiKey, adminToken, pid: child.pid ?? -1, dataDir, stop };
}
