/** Runs the built `xray` CLI as a child process with only the environment given (nothing leaks in from the test process). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runToEnd } from './collector-process.js';
import type { ProcessResult } from './collector-process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = join(repoRoot, 'collector/dist/cli/main.js');

export type CliResult = ProcessResult;

/** Compiles the SDK and the collector (incremental: quick when already built), so tests run what the bin runs. */
export function buildCli(): void {
  execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'exporter', 'collector'], { cwd: repoRoot });
}

export function runCli(args: string[], env: Record<string, string>, cwd?: string): Promise<CliResult> {
  return runToEnd(process.execPath, [cliPath, ...args], { cwd: cwd ?? process.cwd(), env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', ...env } });
}
