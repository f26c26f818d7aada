#!/usr/bin/env node
/**
 * The `xray` command: binds runCli to this process (arguments, environment,
 * terminal) and sets the exit code. Everything else is in run.ts.
 */
import { pagerCommand, runPager } from './pager.js';
import { runCli } from './run.js';

// `xray executions | head` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  rows: process.stdout.isTTY ? process.stdout.rows : undefined,
  page: async (text) => {
    const command = pagerCommand(process.env);
    return command === undefined ? false : runPager(command, text, process.env);
  },
});
