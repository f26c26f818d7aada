import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import type { CliIo } from '../../../src/cli/run.js';
import { makeExecution, nestedExecution } from './fixtures.js';

/** Runs the CLI against a fake collector and collects what it prints. */
async function run(
  argv: string[],
  options: { reply?: (url: string, init: RequestInit) => Response; env?: Record<string, string>; io?: Partial<CliIo> } = {},
) {
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
    ...options.io,
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
      expect(a.stdout).toMatch(/^Usage: xray show <executionId or a unique prefix of it>/);
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

  describe('flag errors', () => {
    it.each([
      [['executions', '--limit', '-5'], 'xray executions: --limit must be a whole number from 1 to 500, got "-5"'],
      [['executions', '--limit', '0'], 'xray executions: --limit must be a whole number from 1 to 500, got "0"'],
      [['steps', '--limit=501'], 'xray steps: --limit must be a whole number from 1 to 500, got "501"'],
      [['executions', '--since', '1y'], 'xray executions: --since must be a positive duration such as 90s, 30m, 1h, 2d or 1w, got "1y"'],
      [['stats', '--interval', '30s'], 'xray stats: --interval must be a duration of at least 1m such as 5m, 1h, 1d or 1w, got "30s"'],
      [['show', 'x', '--depth', '0'], 'xray show: --depth must be a whole number from 1 to 1000, got "0"'],
      [['executions', '--from', 'yesterday'], 'xray executions: --from must be an ISO 8601 time (2024-05-01T12:00:00Z; UTC unless a zone is given) or unix milliseconds, got "yesterday"'],
      [['executions', '--bogus'], 'xray executions: unknown flag --bogus'],
      [['executions', '--limit'], 'xray executions: --limit needs a value'],
      [['executions', '--json=yes'], 'xray executions: --json takes no value, got "yes"'],
    ])('%j: one message form, exit 2, nothing sent', async (argv, message) => {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(message);
      expect(result.stderr.split('\n')[1]).toMatch(/^Run "xray help/);
      expect(result.urls).toEqual([]);
    });

    it('says when digits look like unix seconds', async () => {
      const result = await run(['steps', '--from', '1714564800']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('got "1714564800" (looks like unix seconds');
    });
  });

  describe('--version', () => {
    it("prints the CLI's version and the collector's and API's", async () => {
      const result = await run(['--version'], { reply: (url) => (url.endsWith('/version') ? json(200, { collector: '9.9.9', api: 'v1' }) : json(404, {})) });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^xray CLI \d+\.\d+\.\d+\ncollector 9\.9\.9 at http:\/\/127\.0\.0\.1:4318, query API v1\n$/);
      expect(result.urls).toEqual(['http://127.0.0.1:4318/version']);
    });

    it('still prints its own version when the collector does not answer', async () => {
      const result = await run(['--version']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^xray CLI \d+\.\d+\.\d+\ncollector at http:\/\/127\.0\.0\.1:4318: version unknown \(Cannot reach/);
    });
  });

  describe('time zone', () => {
    const page = { executions: [makeExecution()], nextCursor: null };
    const reply = () => json(200, page);

    it('shows UTC by default, TZ when set, UTC again with --utc; JSON keeps ISO 8601', async () => {
      expect((await run(['executions'], { reply })).stdout).toMatch(/^TIME \(UTC\) +ID[\s\S]*\n2023-11-14 22:13:20 /);
      expect((await run(['executions'], { reply, env: { TZ: 'Asia/Tokyo' } })).stdout).toMatch(/^TIME \(Asia\/Tokyo\) +ID[\s\S]*\n2023-11-15 07:13:20 /);
      expect((await run(['executions', '--utc'], { reply, env: { TZ: 'Asia/Tokyo' } })).stdout).toMatch(/^TIME \(UTC\)/);
      const raw = await run(['executions', '--json'], { reply, env: { TZ: 'Asia/Tokyo' } });
      expect(JSON.parse(raw.stdout).executions[0].startTime).toBe('2023-11-14T22:13:20.000Z');
    });
  });

  describe('pager', () => {
    const reply = () => json(200, nestedExecution());

    async function paged(argv: string[], io: Partial<CliIo>) {
      const pages: string[] = [];
      const env = { XRAY_API_KEY: 'xr_test', NO_COLOR: '1' };
      const result = await run(argv, { reply, env, io: { stdoutIsTTY: true, columns: 80, page: async (text) => (pages.push(text), true), ...io } });
      return { ...result, pages };
    }

    it('pages output taller than the terminal', async () => {
      const result = await paged(['show', 'exec-1'], { rows: 10 });
      expect(result.code).toBe(0);
      expect(result.pages).toHaveLength(1);
      expect(result.pages[0]).toContain('✗ rules');
      expect(result.stdout).toBe('');
    });

    it('prints directly when the output fits, with --no-pager, when piped, or when the pager cannot run', async () => {
      for (const [argv, io] of [
        [['show', 'exec-1'], { rows: 200 }],
        [['show', 'exec-1', '--no-pager'], { rows: 10 }],
        [['show', 'exec-1'], { rows: 10, stdoutIsTTY: false }],
        [['show', 'exec-1'], { rows: 10, env: { XRAY_API_KEY: 'xr_test', NO_COLOR: '1', PAGER: 'cat' } }],
      ] as const) {
        const result = await paged([...argv], io);
        expect(result.pages).toEqual([]);
        expect(result.stdout).toContain('✗ rules');
      }
      const failing = await run(['show', 'exec-1'], { reply, env: { NO_COLOR: '1' }, io: { stdoutIsTTY: true, rows: 10, page: async () => false } });
      expect(failing.stdout).toContain('✗ rules');
    });
  });

  describe('terminal safety', () => {
    it("prints no terminal control sequence a step's data carries when stdout is a terminal, and leaves piped output as sent", async () => {
      const execution = nestedExecution();
      // OSC 52 writes the clipboard, ESC[2J clears the screen, \r overwrites a line; \u009b is the one-byte CSI.
      execution.steps[0].reasoning = 'ok\u001b]52;c;Y3VybCBldmlsLnNo\u0007 then\u001b[2J\rforged\u009b31m line';
      const reply = () => json(200, execution);
      const tty = await run(['show', 'exec-1'], { reply, env: { XRAY_API_KEY: 'xr_test', FORCE_COLOR: '1' }, io: { stdoutIsTTY: true, columns: 200, rows: 500, page: async () => false } });
      expect(tty.code).toBe(0);
      expect(tty.stdout).toContain('ok');
      expect(tty.stdout).toContain('forged');
      expect(tty.stdout).not.toMatch(/\u001b\]|\u001b\[2J|\u0007|\r|\u009b/);
      // The CLI's own colors stay.
      expect(tty.stdout).toMatch(/\u001b\[\d+m/);
      const piped = await run(['show', 'exec-1', '--json'], { reply });
      expect(JSON.parse(piped.stdout).steps[0].reasoning).toBe(execution.steps[0].reasoning);
    });
  });

  describe('show <prefix>', () => {
    const notFound = () => json(404, { error: { code: 'XRAY_ERR_NOT_FOUND', message: 'No execution "4bf9" in this app', retryable: false } });

    it('resolves a prefix that one execution starts with', async () => {
      const detail = nestedExecution();
      const result = await run(['show', '4bf9'], {
        reply: (url) => {
          if (url.endsWith('/executions/4bf9')) return notFound();
          if (url.includes('idPrefix=4bf9')) return json(200, { executions: [makeExecution({ executionId: '4bf92f35aa' })], nextCursor: null });
          return json(200, detail);
        },
      });
      expect(result.code).toBe(0);
      expect(result.urls.map((url) => new URL(url).pathname + new URL(url).search)).toEqual([
        '/api/v1/executions/4bf9',
        '/api/v1/executions?idPrefix=4bf9&from=0&limit=11',
        '/api/v1/executions/4bf92f35aa',
      ]);
      expect(result.stdout).toContain('✗ rules');
    });

    it('lists the candidates of an ambiguous prefix and exits 1', async () => {
      const result = await run(['show', '4bf9'], {
        reply: (url) =>
          url.includes('idPrefix')
            ? json(200, { executions: [makeExecution({ executionId: '4bf9aaa' }), makeExecution({ executionId: '4bf9bbb', pipeline: 'other' })], nextCursor: null })
            : notFound(),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('The id prefix "4bf9" matches 2 executions:');
      expect(result.stderr).toMatch(/ {2}4bf9aaa {2}2023-11-14 22:13:20 UTC {2}loan-approval {2}completed/);
      expect(result.stderr).toContain('4bf9bbb');
      expect(result.stderr).toContain('Give more characters of the id.');
    });

    it('keeps NOT_FOUND when nothing starts with the prefix', async () => {
      const result = await run(['show', '4bf9'], { reply: (url) => (url.includes('idPrefix') ? json(200, { executions: [], nextCursor: null }) : notFound()) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('XRAY_ERR_NOT_FOUND');
    });
  });
});
