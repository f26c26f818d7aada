/** Runs the CLI in this process against a test collector and collects what it prints. */
import { runCli } from '../../src/cli/run.js';
import type { Harness } from './collector-harness.js';

export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliAgainst(harness: Harness, argv: string[], onStdout?: (all: string) => void): Promise<CliOutput> {
  let stdout = '';
  let stderr = '';
  const code = await runCli({
    argv,
    env: { XRAY_URL: harness.url, XRAY_API_KEY: harness.apiKey, NO_COLOR: '1' },
    stdout: (text) => {
      stdout += text;
      onStdout?.(stdout);
    },
    stderr: (text) => void (stderr += text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    columns: undefined,
  });
  return { code, stdout, stderr };
}
