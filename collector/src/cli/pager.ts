/**
 * Long output through a pager, as git does: only when stdout is a terminal
 * and the text is taller than it, with `PAGER` respected (`less` by default,
 * run with `LESS=FRX` unless LESS is set: quit if one screen, keep colours,
 * leave the text on screen), and off with `--no-pager` or `PAGER=cat`/empty.
 */
import { spawn } from 'node:child_process';

export const DEFAULT_PAGER = 'less';

/** The pager command to run, or undefined when paging is switched off. */
export function pagerCommand(env: Record<string, string | undefined>): string | undefined {
  const configured = env.XRAY_PAGER ?? env.PAGER;
  if (configured === undefined) return DEFAULT_PAGER;
  const command = configured.trim();
  return command === '' || command === 'cat' ? undefined : command;
}

/**
 * @example
 * shouldPage(text, { isTTY: true, rows: 40, noPager: false, env: process.env }); // true when text has 40+ lines
 */
export function shouldPage(
  text: string,
  options: { isTTY: boolean; rows: number | undefined; noPager: boolean; env: Record<string, string | undefined> },
): boolean {
  if (!options.isTTY || options.noPager || !options.rows || pagerCommand(options.env) === undefined) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1 && lines < options.rows; i = text.indexOf('\n', i + 1)) lines++;
  return lines >= options.rows;
}

/**
 * Pipes `text` into the pager (through `sh -c`, so PAGER may carry flags) and
 * waits until the user quits it. Resolves false when the pager could not run
 * (not installed), so the caller prints the text itself.
 *
 * @example
 * if (!(await runPager('less', text, process.env))) process.stdout.write(text);
 */
export function runPager(command: string, text: string, env: Record<string, string | undefined>): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
    child.on('error', () => resolve(false));
    // The user quitting before reading everything closes the pipe: not an error.
    child.stdin.on('error', () => {});
    child.stdin.end(text);
    // 126/127: the shell could not find or run the pager.
    child.on('close', (code) => resolve(code !== 126 && code !== 127));
  });
}
