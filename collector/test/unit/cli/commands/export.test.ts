/**
 * `xray export` when the download breaks midway: the target file is not
 * written, the partial bytes are kept aside, and the message says where the
 * export stopped and which --cursor fetches the rest.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toCursor } from '../../../../src/cli/export-tracker.js';
import { runCli } from '../../../../src/cli/run.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function brokenBody(pieces: string[]): ReadableStream<Uint8Array> {
  const queue = [...pieces];
  return new ReadableStream({
    // One piece per read, then the failure (erroring at once would discard what is queued).
    pull(controller) {
      const piece = queue.shift();
      if (piece !== undefined) controller.enqueue(new TextEncoder().encode(piece));
      else controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
    },
  });
}

async function exportWith(body: ReadableStream<Uint8Array> | string, extra: string[] = [], stderrIsTTY = false) {
  const dir = mkdtempSync(join(tmpdir(), 'xray-export-cli-'));
  dirs.push(dir);
  const out = join(dir, 'out.ndjson');
  let stdout = '';
  let stderr = '';
  let now = 0;
  const code = await runCli({
    argv: ['export', '--out', out, ...extra],
    env: { XRAY_API_KEY: 'xr_test' },
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    stdoutIsTTY: false,
    stderrIsTTY,
    columns: undefined,
    readSecret: () => undefined,
    nowMillis: () => (now += 1000),
    fetch: (async () => new Response(body, { status: 200, headers: { 'x-xray-export-estimated-records': '4' } })) as unknown as typeof fetch,
  });
  return { code, stdout, stderr, out, partial: join(dir, '.out.ndjson.partial') };
}

describe('xray export', () => {
  it('keeps the target unwritten when the stream breaks, and says where it stopped', async () => {
    const lines = ['{"executionId":"e1","startTimeUnixNano":"30"}\n', '{"executionId":"e2","startTimeUnixNano":"20"}\n', '{"executionId":"e3"'];
    const result = await exportWith(brokenBody(lines));
    expect(result.code).toBe(1);
    expect(existsSync(result.out)).toBe(false);
    expect(readFileSync(result.partial, 'utf8')).toBe(lines.join(''));
    expect(result.stderr).toContain(`The export stopped after 2 records (${lines.join('').length} B): other side closed. ${result.out} was not written; what arrived is in ${result.partial}`);
    expect(result.stderr).toContain(`--cursor ${toCursor({ executionId: 'e2', startTimeUnixNano: '20' })}`);
  });

  it('draws a progress bar only when stderr is a terminal', async () => {
    const body = '{"executionId":"e1","startTimeUnixNano":"30"}\n{"executionId":"e2","startTimeUnixNano":"20"}\n';
    const quiet = await exportWith(body);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe(`Exported 2 executions (${body.length} B) to ${quiet.out}\n`);
    const tty = await exportWith(body, [], true);
    expect(tty.stderr).toMatch(/\r\[#{15}-{15}\]  50%  2\/4 records  92 B  \d+ B\/s\n$/);
  });

  it('refuses a missing --out and an unknown format before calling the collector', async () => {
    const noOut = await runCli({ argv: ['export'], env: {}, stdout: () => {}, stderr: () => {}, stdoutIsTTY: false, stderrIsTTY: false, columns: undefined });
    expect(noOut).toBe(2);
    expect((await exportWith('', ['--format', 'xml'])).code).toBe(2);
  });
});
