/**
 * The collector as `npm start` runs it, for tests: the built main.js in its
 * own process with only the environment given, its output captured, and
 * temporary data folders removed after the suite.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { COLLECTOR_ENV, COLLECTOR_NODE_FLAGS } from '../../src/launch.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface RunningCollector {
  child: ChildProcess;
  /** stdout and stderr, interleaved as they arrived. */
  output: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts dist/main.js as `npm start` does (COLLECTOR_ENV, COLLECTOR_NODE_FLAGS) with PATH, XRAY_LOG_LEVEL=warn and `env`, nothing else;
 * `main`: another copy of it (an installed package's).
 */
export function runCollector(env: Record<string, string>, main = MAIN): RunningCollector {
  // gRPC on a free port: parallel test files must not contend for 4317.
  const child = spawn(process.execPath, [...COLLECTOR_NODE_FLAGS, main], { env: { ...COLLECTOR_ENV, PATH: process.env.PATH ?? '', XRAY_LOG_LEVEL: 'warn', XRAY_GRPC_PORT: '0', ...env } });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => {
    output += chunk;
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, stderr: () => stderr, exited };
}

/** A port free right now: bound, then released. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Waits until the output matches, failing with the output when the process exits first. */
export async function waitForOutput(running: RunningCollector, pattern: RegExp, timeoutMillis = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMillis;
  while (Date.now() < deadline) {
    const match = pattern.exec(running.output());
    if (match) return match;
    // A process killed by a signal (a crash) has no exit code, only a signal.
    if (running.child.exitCode !== null || running.child.signalCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { exitCode, signalCode } = running.child;
  const state = exitCode !== null || signalCode !== null ? `exited (code ${exitCode}, signal ${signalCode})` : 'still running';
  throw new Error(`never printed ${pattern} (${state}); output:\n${running.output()}`);
}

/**
 * SIGTERM, then its exit code. A process that has not exited after
 * `timeoutMillis` (beyond the collector's own 30 s shutdown deadline) is
 * killed and the test fails with its output, instead of hanging to the test
 * timeout with nothing to read.
 */
export async function stopCollector(running: RunningCollector, timeoutMillis = 45_000): Promise<number | null> {
  running.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMillis)));
  const code = await Promise.race([running.exited, late]);
  clearTimeout(timer);
  if (code !== 'late') return code;
  running.child.kill('SIGKILL');
  throw new Error(`still running ${timeoutMillis} ms after SIGTERM; output:\n${running.output()}`);
}

/** Call inside a describe: returns a maker of temporary folders, all removed after the suite. */
export function useTempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end without blocking the event loop (a collector
 * answering it may live in the test's own process).
 */
export function runToEnd(command: string, args: string[], options: { cwd: string; env: Record<string, string | undefined> }): Promise<ProcessResult> {
  const child = spawn(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
