import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/run.js';
import { makeExecution, nestedExecution } from './fixtures.js';

/** Runs the CLI against a fake collector and collects what it prints. */
async function run(argv: string[], options: { reply?: (url: string, init: RequestInit) => Response; env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const urls: string[] = [];
  const io: CliIo = {
    argv,
    env: { XRAY_API_KEY: 'xr_test', XRAY_ADMIN_TOKEN: 'admin-token-0123456789', ...options.env },
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    columns: undefined,
    readSecret: () => undefined,
    fetch: (async (url: string | URL | Request, init?: RequestInit) => {
      urls.push(String(url));
      if (!options.reply) throw new Error('no network in this test');
      return options.reply(String(url), init ?? {});
    }) as typeof fetch,
  };
  const code = await runCli(io);
  return { code, stdout, stderr, urls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });

describe('run', () => {
  describe('runCli', () => {
    it('sends the filters, window, page size and cursor of `steps` as query parameters', async () => {
      const result = await run(
        ['steps', '--name', 'decide', '--environment', 'prod', '--search', 'manual review', '--from', '1000', '--to', '2000', '--limit', '5', '--cursor', 'abc'],
        { reply: () => json(200, { steps: [], nextCursor: null }) },
      );
      expect(result.code).toBe(0);
      const url = new URL(result.urls[0]);
      expect(url.pathname).toBe('/api/v1/steps');
      expect(Object.fromEntries(url.searchParams)).toMatchObject({
        name: 'decide',
        environment: 'prod',
        q: 'manual review',
        limit: '5',
        cursor: 'abc',
      });
      expect(url.searchParams.get('from')).not.toBeNull();
      expect(url.searchParams.get('to')).not.toBeNull();
    });

    it('prints usage for help, --help and -h and exits 0', async () => {
      for (const argv of [['help'], ['--help'], ['-h']]) {
        const result = await run(argv);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/^xray: /);
        expect(result.stdout).toContain('executions [filters]');
        expect(result.stdout).toContain('--admin-token');
      }
    });

    it('prints a command\'s help for `help <command>` and `<command> --help`', async () => {
      const a = await run(['help', 'show']);
      const b = await run(['show', '--help']);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/^Usage: xray show <executionId>/);
      expect(b.stdout).toBe(a.stdout);
    });

    it('exits 2 with usage on stderr for no command and for an unknown one', async () => {
      const none = await run([]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('Usage: xray <command>');
      const unknown = await run(['frobnicate']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/^xray: unknown command "frobnicate"/);
      expect(unknown.stderr).toContain('Usage: xray <command>');
      expect(unknown.stdout).toBe('');
    });

    it('exits 2 with a clear message for bad flags, before any request', async () => {
      const bad = await run(['executions', '--limit', 'lots']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('xray executions: --limit must be a whole number from 1 to 500, got "lots"\nRun "xray help executions" for usage.\n');
      expect(bad.urls).toEqual([]);
      expect((await run(['executions', '--frob'])).code).toBe(2);
      expect((await run(['show'])).code).toBe(2);
      expect((await run(['keys', 'rotate', 'app'])).stderr).toMatch(/unknown subcommand "rotate"/);
      expect((await run(['executions', '--url', 'not a url'])).code).toBe(2);
    });

    it('prints `code: message` and exits 1 on an API error', async () => {
      const result = await run(['show', 'nope'], {
        reply: () => json(404, { error: { code: 'XRAY_ERR_NOT_FOUND', message: 'No execution "nope" in this app', retryable: false } }),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('XRAY_ERR_NOT_FOUND: No execution "nope" in this app\n');
      expect(result.stdout).toBe('');
    });

    it('exits 1 telling to start the collector when nothing answers', async () => {
      const result = await run(['executions']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('Cannot reach the X-Ray collector at http://127.0.0.1:4318');
      expect(result.stderr).toContain('npm start');
    });

    it('exits 1 explaining where to put the key when there is none', async () => {
      const result = await run(['executions'], { env: { XRAY_API_KEY: '' } });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^No API key: pass --api-key, set XRAY_API_KEY/);
      expect(result.urls).toEqual([]);
    });

    it('renders the timeline for show and the raw reply for --json', async () => {
      const detail = nestedExecution();
      const reply = () => json(200, detail);
      const text = await run(['show', 'exec 1'], { reply });
      expect(text.code).toBe(0);
      expect(text.urls).toEqual(['http://127.0.0.1:4318/api/v1/executions/exec%201']);
      expect(text.stdout).toContain('✗ rules');
      expect(text.stdout).not.toContain('\u001b[');
      const raw = await run(['show', 'exec-1', '--json'], { reply });
      expect(JSON.parse(raw.stdout)).toEqual(detail);
    });

    it('sends the filters of executions as query parameters', async () => {
      const result = await run(['executions', '--status', 'failed', '--search', 'credit score', '--limit', '5', '--url', 'http://h:9'], {
        reply: () => json(200, { executions: [makeExecution()], nextCursor: null }),
      });
      expect(result.code).toBe(0);
      expect(result.urls).toEqual(['http://h:9/api/v1/executions?status=failed&q=credit+score&limit=5']);
      expect(result.stdout).toContain('exec-1');
    });

    it('joins unquoted SQL words into one statement', async () => {
      let body = '';
      const result = await run(['sql', 'SELECT', 'count()', 'FROM', 'steps'], {
        reply: (_, init) => {
          body = String(init.body);
          return json(200, { rows: [{ 'count()': '3' }], truncated: false });
        },
      });
      expect(result.code).toBe(0);
      expect(JSON.parse(body)).toEqual({ sql: 'SELECT count() FROM steps' });
      expect(result.stdout).toBe('count()\n      3\n\n1 row\n');
    });
  });
});
