/**
 * The built `xray` CLI as a child process against a real collector on a real
 * embedded ClickHouse: seeded executions listed and shown as a timeline, SQL
 * through the admin API (and refused when it writes), apps and keys issued
 * and revoked, and the messages people see when something is wrong.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import { runToEnd } from '../support/collector-process.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = join(repoRoot, 'collector/dist/cli/main.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('xray CLI against a running collector', () => {
  let harness: Harness;
  let emptyDataDir: string;
  let failed: ReturnType<typeof executionSpans>;
  let completed: ReturnType<typeof executionSpans>;
  let other: ReturnType<typeof executionSpans>;

  /** Runs the CLI with only the environment given here (nothing leaks in from the test process). */
  function xray(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return runToEnd(process.execPath, [cliPath, ...args], {
      cwd: emptyDataDir,
      env: {
        PATH: process.env.PATH ?? '',
        NO_COLOR: '1',
        XRAY_DATA_DIR: emptyDataDir,
        XRAY_URL: harness.url,
        XRAY_API_KEY: harness.apiKey,
        XRAY_ADMIN_TOKEN: harness.adminToken,
        ...env,
      },
    });
  }

  beforeAll(async () => {
    // Test what the bin runs: the compiled CLI (incremental, so quick when `npm test` already built).
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'exporter', 'collector'], { cwd: repoRoot });
    harness = await startCollector();
    emptyDataDir = mkdtempSync(join(tmpdir(), 'xray-cli-'));

    failed = executionSpans({
      pipeline: 'cli-loan',
      failed: true,
      steps: [
        { name: 'fetch_credit_score', reasoning: 'Score 712 from the bureau' },
        { name: 'check_approval_rules', failed: true },
        { name: 'notify_applicant' },
      ],
    });
    completed = executionSpans({ pipeline: 'cli-loan', steps: [{ name: 'fetch_credit_score' }, { name: 'check_approval_rules' }] });
    other = executionSpans({ pipeline: 'cli-other', steps: [{ name: 'only_step' }] });
    for (const e of [failed, completed, other]) {
      const reply = await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]));
      expect(reply.status).toBe(200);
    }
  });

  afterAll(async () => {
    await harness?.close();
    if (emptyDataDir) rmSync(emptyDataDir, { recursive: true, force: true });
  });

  describe('xray --version', () => {
    it("prints the CLI's version and the running collector's and API's", async () => {
      const result = await xray(['--version']);
      expect(result.code).toBe(0);
      const { version } = JSON.parse(readFileSync(join(repoRoot, 'collector/package.json'), 'utf8')) as { version: string };
      expect(result.stdout).toBe(`xray CLI ${version}\ncollector ${version} at ${harness.url}, query API v1\n`);
    });
  });

  describe('xray executions', () => {
    it('lists the seeded executions of a pipeline, newest first, with status and counts', async () => {
      const result = await xray(['executions', '--pipeline', 'cli-loan']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ID\s+PIPELINE\s+ENV\s+STATUS\s+STEPS\s+ERRORS\s+DURATION$/);
      expect(lines).toHaveLength(3);
      const failedLine = lines.find((line) => line.includes(failed.executionId))!;
      expect(failedLine).toMatch(/cli-loan\s+test\s+failed\s+3\s+1\s+\d/);
      expect(lines.find((line) => line.includes(completed.executionId))).toMatch(/cli-loan\s+test\s+completed\s+2\s+0\s+\d/);
      expect(result.stdout).not.toContain(other.executionId);
      expect(result.stdout).not.toContain('\u001b[');
    });

    it('filters by status and prints JSON with --json', async () => {
      const result = await xray(['executions', '--status', 'failed', '--since', '1h', '--json']);
      expect(result.code).toBe(0);
      const body = JSON.parse(result.stdout) as { executions: { executionId: string }[] };
      expect(body.executions.map((e) => e.executionId)).toEqual([failed.executionId]);
    });

    it('prints the cursor of the next page and follows it', async () => {
      const first = await xray(['executions', '--pipeline', 'cli-loan', '--limit', '1']);
      const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1];
      expect(cursor).toBeDefined();
      const second = await xray(['executions', '--pipeline', 'cli-loan', '--limit', '1', '--cursor', cursor!]);
      expect(second.code).toBe(0);
      const ids = [first.stdout, second.stdout].map((out) => [failed.executionId, completed.executionId].find((id) => out.includes(id)));
      expect(new Set(ids)).toEqual(new Set([failed.executionId, completed.executionId]));
    });
  });

  describe('xray show', () => {
    it('resolves a short id prefix, and lists the candidates of an ambiguous one', async () => {
      const short = failed.executionId.slice(0, 10);
      const result = await xray(['show', short, '--failed']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`execution  ${failed.executionId}`);
      expect(result.stdout).toContain('showing    1 of 3 steps (--failed; ancestors kept for context)');
      expect(result.stdout.split('\n').filter((line) => /^[✓✗•] /.test(line))).toHaveLength(1);

      const twins = ['prefix-twin-a', 'prefix-twin-b'].map((executionId) => executionSpans({ executionId, pipeline: 'cli-twins', steps: [{ name: 's' }] }));
      for (const twin of twins) expect((await postJson(harness.url, harness.apiKey, jsonRequest([twin.root, ...twin.steps]))).status).toBe(200);
      const ambiguous = await xray(['show', 'prefix-twin']);
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toContain('The id prefix "prefix-twin" matches 2 executions:');
      expect(ambiguous.stderr).toMatch(/ {2}prefix-twin-a {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {2}cli-twins {2}completed/);
      expect(ambiguous.stderr).toContain('prefix-twin-b');
    });

    it('prints the steps in order, marks the failed one and prints its error and the reasoning', async () => {
      const result = await xray(['show', failed.executionId]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const lines = result.stdout.split('\n');
      expect(lines[0]).toBe('cli-loan  ✗ failed');
      expect(result.stdout).toContain(`execution  ${failed.executionId}`);

      const stepLines = lines.filter((line) => /^[✓✗•] /.test(line));
      expect(stepLines.map((line) => line.split(/\s+/)[1])).toEqual(['fetch_credit_score', 'check_approval_rules', 'notify_applicant']);
      expect(stepLines.map((line) => line[0])).toEqual(['✓', '✗', '✓']);
      for (const line of stepLines) expect(line).toMatch(/█+·*\s+9\.0 ms$/);

      const failedAt = lines.indexOf(stepLines[1]);
      expect(lines[failedAt + 1].trim()).toBe('error: check_approval_rules failed');
      const firstAt = lines.indexOf(stepLines[0]);
      expect(lines[firstAt + 1].trim()).toBe('› Score 712 from the bureau');
    });

    it('exits 1 with the API error for an unknown execution', async () => {
      const result = await xray(['show', 'no-such-execution']);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('XRAY_ERR_NOT_FOUND: No execution "no-such-execution" in this app\n');
    });
  });

  describe('xray steps and stats', () => {
    it('finds the failed step', async () => {
      const result = await xray(['steps', '--name', 'check_approval_rules', '--status', 'failed']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(failed.executionId);
      expect(result.stdout).not.toContain(completed.executionId);
      expect(result.stdout).toContain('check_approval_rules failed');
    });

    it('summarises a pipeline', async () => {
      const result = await xray(['stats', '--pipeline', 'cli-loan', '--since', '1h']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^executions {2}2$/m);
      expect(result.stdout).toMatch(/^failed {6}1 \(50\.0%\)$/m);
      expect(result.stdout).toContain('cli-loan');
    });
  });

  describe('xray sql', () => {
    it('runs read-only SQL through the collector and prints the rows', async () => {
      const sql = "SELECT count() AS n FROM executions FINAL WHERE pipeline IN ('cli-loan', 'cli-other')";
      const table = await xray(['sql', sql]);
      expect(table.stderr).toBe('');
      expect(table.code).toBe(0);
      expect(table.stdout).toBe('n\n3\n\n1 row\n');
      const json = await xray(['sql', sql, '--json']);
      expect(Number((JSON.parse(json.stdout) as { rows: { n: unknown }[] }).rows[0].n)).toBe(3);
    });

    it('refuses a statement that writes, exits 1 and leaves the table alone', async () => {
      const result = await xray(['sql', 'DROP TABLE steps']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^XRAY_ERR_SQL_REJECTED: /);
      const rows = await harness.sql<{ n: string }>("SELECT count() AS n FROM steps WHERE pipeline = 'cli-loan'");
      expect(Number(rows[0].n)).toBe(5);
    });

    it('reports a query ClickHouse refuses', async () => {
      const result = await xray(['sql', 'SELECT no_such_column FROM steps']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^XRAY_ERR_SQL_FAILED: /);
    });
  });

  describe('xray apps and keys', () => {
    it('creates an app, issues and lists keys, and a revoked key is refused at once', async () => {
      const created = await xray(['apps', 'create', 'cli-app', '--name', 'CLI test app']);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const firstKey = /API key: (xr_[A-Za-z0-9_-]+)/.exec(created.stdout)?.[1];
      expect(firstKey).toBeDefined();
      expect(created.stdout).toContain('stores only its hash');

      const apps = await xray(['apps', 'list']);
      expect(apps.stdout).toMatch(/^APP\s+NAME\s+OWNER\s+LABELS\s+DESCRIPTION\s+CREATED \(UTC\)$/m);
      expect(apps.stdout).toMatch(/^cli-app\s+CLI test app\s+-\s+-\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
      // JSON times are ISO 8601 in UTC, for apps and keys like everything else.
      const appsJson = JSON.parse((await xray(['apps', 'list', '--json'])).stdout) as { apps: { appId: string; createdAt: string }[] };
      const createdAt = appsJson.apps.find((app) => app.appId === 'cli-app')!.createdAt;
      expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Math.abs(Date.parse(createdAt) - Date.now())).toBeLessThan(10 * 60_000);

      const issued = await xray(['keys', 'create', 'cli-app', '--name', 'ci']);
      const secondKey = /API key: (xr_[A-Za-z0-9_-]+)/.exec(issued.stdout)?.[1];
      expect(secondKey).toBeDefined();

      // The new app sees none of the default app's executions.
      const own = await xray(['executions'], { XRAY_API_KEY: firstKey! });
      expect(own.code).toBe(0);
      expect(own.stdout).toMatch(/^No executions match/);

      const prefix = firstKey!.slice(0, 11);
      const keysJson = JSON.parse((await xray(['keys', 'list', 'cli-app', '--json'])).stdout) as { keys: { createdAt: string }[] };
      for (const key of keysJson.keys) expect(key.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const listed = await xray(['keys', 'list', 'cli-app']);
      expect(listed.stdout).toMatch(new RegExp(`^${prefix}\\s+initial\\s+ingest,read\\s+\\S+ \\S+\\s+active$`, 'm'));
      expect(listed.stdout).toMatch(new RegExp(`^${secondKey!.slice(0, 11)}\\s+ci\\s+`, 'm'));

      const revoked = await xray(['keys', 'revoke', 'cli-app', prefix]);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toBe(`Revoked 1 key starting with ${prefix} in app "cli-app".\n`);

      const refused = await xray(['executions'], { XRAY_API_KEY: firstKey! });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('XRAY_ERR_AUTH_INVALID_KEY: ');
      expect(refused.stderr).toContain('The API key came from XRAY_API_KEY.');
      expect((await xray(['executions'], { XRAY_API_KEY: secondKey! })).code).toBe(0);
      expect((await xray(['keys', 'list', 'cli-app'])).stdout).toMatch(new RegExp(`^${prefix}\\s.*revoked$`, 'm'));
    });

    it('issues a read-only key with --scope read that can query but not send spans', async () => {
      const first = await xray(['apps', 'create', 'cli-scoped', '--scope', 'ingest']);
      const firstKey = /API key: (xr_[A-Za-z0-9_-]+)/.exec(first.stdout)![1];
      expect((await xray(['executions'], { XRAY_API_KEY: firstKey })).stderr).toContain('XRAY_ERR_AUTH_SCOPE');
      const issued = await xray(['keys', 'create', 'cli-scoped', '--name', 'grafana', '--scope', 'read']);
      expect(issued.code).toBe(0);
      expect(issued.stdout).toContain('(read)');
      const readKey = /API key: (xr_[A-Za-z0-9_-]+)/.exec(issued.stdout)![1];
      expect((await xray(['executions'], { XRAY_API_KEY: readKey })).code).toBe(0);
      const sent = await fetch(`${harness.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': readKey },
        body: '{"resourceSpans":[]}',
      });
      expect(sent.status).toBe(403);
      expect((await xray(['keys', 'list', 'cli-scoped'])).stdout).toMatch(new RegExp(`^${readKey.slice(0, 11)}\\s+grafana\\s+read\\s+`, 'm'));

      const bad = await xray(['keys', 'create', 'cli-scoped', '--scope', 'write']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('--scope must be ingest, read, webhooks or a comma-separated list of them');
    });

    it('creates a signing secret, requires signatures, and rotates with apps signing', async () => {
      await xray(['apps', 'create', 'cli-signed']);
      expect((await xray(['apps', 'signing', 'cli-signed'])).stdout).toContain('does not require signed requests');
      const refused = await xray(['apps', 'signing', 'cli-signed', 'require']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^XRAY_ERR_CONFLICT: .*no signing secret/);

      const created = await xray(['apps', 'signing', 'cli-signed', 'new-secret']);
      expect(created.code).toBe(0);
      const secret = /Signing secret: (xrs_[A-Za-z0-9_-]{43})/.exec(created.stdout)![1];
      expect(created.stdout).toContain(`export XRAY_SIGNING_SECRET=${secret}`);
      const required = await xray(['apps', 'signing', 'cli-signed', 'require']);
      expect(required.stdout).toContain('App "cli-signed" requires signed requests.');
      expect(required.stdout).toContain(`${secret.slice(0, 12)}…`);
      expect(required.stdout).not.toContain(secret);

      const shown = JSON.parse((await xray(['apps', 'signing', 'cli-signed', '--json'])).stdout);
      expect(shown).toMatchObject({ required: true, secrets: [{ secretPrefix: secret.slice(0, 12) }] });
      const last = await xray(['apps', 'signing', 'cli-signed', 'revoke-secret', secret.slice(0, 12)]);
      expect(last.stderr).toMatch(/^XRAY_ERR_CONFLICT: .*last signing secret/);
      expect((await xray(['apps', 'signing', 'cli-signed', 'optional'])).stdout).toContain('does not require');
      const revoked = await xray(['apps', 'signing', 'cli-signed', 'revoke-secret', secret.slice(0, 12)]);
      expect(revoked.stdout).toBe(`Revoked signing secret ${secret.slice(0, 12)}… of app "cli-signed".\n`);
      expect((await xray(['apps', 'signing', 'cli-signed', 'rotate'])).code).toBe(2);
    });

    it('shows, sets and resets rate limits with apps limits', async () => {
      await xray(['apps', 'create', 'cli-limited']);
      expect((await xray(['apps', 'limits', 'cli-limited'])).stdout).toBe(
        'App "cli-limited": 200 requests/s, burst 400 (the collector\'s defaults)\nEach key:  200 requests/s, burst 400\n',
      );
      const set = await xray(['apps', 'limits', 'cli-limited', '--rps', '2.5', '--burst', '10', '--key-rps', '1', '--key-burst', '3']);
      expect(set.stdout).toBe('App "cli-limited": 2.5 requests/s, burst 10\nEach key:  1 requests/s, burst 3\n');
      expect(JSON.parse((await xray(['apps', 'limits', 'cli-limited', '--json'])).stdout)).toMatchObject({ requestsPerSecond: 2.5, source: 'app' });
      expect((await xray(['apps', 'limits', 'cli-limited', '--reset'])).stdout).toContain('(the collector\'s defaults)');
      for (const args of [['--rps', '5'], ['--rps', '0', '--burst', '1'], ['--rps', '1', '--burst', '1.5'], ['--reset', '--rps', '1', '--burst', '1']]) {
        const bad = await xray(['apps', 'limits', 'cli-limited', ...args]);
        expect(bad.code, args.join(' ')).toBe(2);
      }
    });

    it('refuses admin commands with a wrong admin token', async () => {
      const result = await xray(['apps', 'list'], { XRAY_ADMIN_TOKEN: 'not-the-admin-token-at-all' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^XRAY_ERR_AUTH_ADMIN_REQUIRED: /);
    });
  });

  describe('configuration and failures', () => {
    it('reads the key and the admin token from the data folder when the environment has none', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'xray-cli-data-'));
      try {
        writeFileSync(join(dataDir, 'default-app.key'), `${harness.apiKey}\n`, { mode: 0o600 });
        writeFileSync(join(dataDir, 'admin.token'), `${harness.adminToken}\n`, { mode: 0o600 });
        const env = { XRAY_API_KEY: '', XRAY_ADMIN_TOKEN: '' };
        const listed = await xray(['executions', '--data-dir', dataDir, '--pipeline', 'cli-other'], env);
        expect(listed.stderr).toBe('');
        expect(listed.stdout).toContain(other.executionId);
        expect((await xray(['apps', 'list'], { ...env, XRAY_DATA_DIR: dataDir })).code).toBe(0);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('says to start the collector with npm start when nothing listens at the URL', async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const result = await xray(['executions'], { XRAY_URL: url });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`Cannot reach the X-Ray collector at ${url} (ECONNREFUSED).`);
      expect(result.stderr).toContain('npm start');
    });

    it('exits 2 on a bad flag without calling the collector', async () => {
      const result = await xray(['executions', '--since', 'yesterday']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^xray executions: --since must be a positive duration/);
    });
  });
});
