/**
 * `xray tail`'s reconnect logic against scripted replies: a dropped stream is
 * resumed with the last event's id, a 429 is waited out, a bad key is not retried.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../../src/cli/run.js';
import { makeExecution } from '../fixtures.js';

const sse = (text: string) => new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } });
const event = (id: string, executionId: string) =>
  `id: ${id}\nevent: execution\ndata: ${JSON.stringify(makeExecution({ executionId, pipeline: 'loan-approval' }))}\n\n`;

async function tail(argv: string[], replies: ((init: RequestInit) => Response)[]) {
  let stdout = '';
  let stderr = '';
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const sleeps: number[] = [];
  const code = await runCli({
    argv: ['tail', ...argv],
    env: { XRAY_API_KEY: 'xr_test' },
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    columns: undefined,
    readSecret: () => undefined,
    sleep: async (millis) => void sleeps.push(millis),
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, headers: (init.headers ?? {}) as Record<string, string> });
      const reply = replies.shift();
      if (!reply) throw new Error('no more replies');
      return reply(init);
    }) as typeof fetch,
  });
  return { code, stdout, stderr, calls, sleeps };
}

describe('xray tail', () => {
  it('prints executions and resumes a dropped stream after the last one printed', async () => {
    const result = await tail(
      ['--pipeline', 'loan-approval', '--max-events', '3'],
      [
        () => sse(`retry: 500\n\n: stream open\n\n${event('1-YQ', 'exec-a')}${event('2-Yg', 'exec-b')}`),
        () => sse(`: heartbeat\n\n${event('3-Yw', 'exec-c')}${event('4-ZA', 'exec-d')}`),
      ],
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME +ID +PIPELINE +ENV +STATUS +STEPS +ERRORS +DURATION$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[2])).toEqual(['exec-a', 'exec-b', 'exec-c']);
    expect(new URL(result.calls[0].url).searchParams.get('pipeline')).toBe('loan-approval');
    expect(result.calls[0].headers['last-event-id']).toBeUndefined();
    expect(result.calls[1].headers['last-event-id']).toBe('2-Yg');
    expect(result.sleeps).toEqual([500]);
    expect(result.stderr).toContain('reconnecting in 0.5 s from the last execution printed');
  });

  it('waits out a 429 and tries again', async () => {
    const busy = () =>
      new Response(JSON.stringify({ error: { code: 'XRAY_ERR_LIVE_TOO_MANY_STREAMS', message: 'too many', retryable: true } }), { status: 429 });
    const result = await tail(['--max-events', '1', '--json'], [busy, () => sse(event('1-YQ', 'exec-a'))]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: '1-YQ', execution: { executionId: 'exec-a' } });
    expect(result.stderr).toContain('XRAY_ERR_LIVE_TOO_MANY_STREAMS: too many; retrying in 2 s');
  });

  it('gives up at once on an error retrying cannot fix', async () => {
    const denied = () => new Response(JSON.stringify({ error: { code: 'XRAY_ERR_AUTH_INVALID_KEY', message: 'unknown key', retryable: false } }), { status: 401 });
    const result = await tail([], [denied]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('XRAY_ERR_AUTH_INVALID_KEY: unknown key');
    expect(result.calls).toHaveLength(1);
  });

  it('starts after --after and refuses a bad --max-events', async () => {
    const result = await tail(['--after', '7-YQ', '--max-events', '1'], [() => sse(event('8-Yg', 'exec-b'))]);
    expect(result.calls[0].headers['last-event-id']).toBe('7-YQ');
    expect((await tail(['--max-events', '0'], [])).code).toBe(2);
  });
});
