/**
 * The CLI outside the repository: the SDK and collector packages are packed
 * (`npm pack`, what publishing would upload), installed into an empty
 * temporary project, and `npx @xray/collector …` is run there against a real
 * collector. That name cannot run the unrelated npm package called `xray`.
 * Needs the npm registry, or an npm cache that already holds the
 * dependencies (installed with --ignore-scripts --omit=optional: the CLI
 * needs neither chDB's engine nor any install script). The collector itself,
 * installed so (as its container image is), runs against a ClickHouse server:
 * it loads neither chDB's engine nor LMDB's addon, the reply store's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import { freePort, runCollector, runToEnd, stopCollector, waitForOutput } from '../support/collector-process.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const { version } = JSON.parse(readFileSync(join(repoRoot, 'collector/package.json'), 'utf8')) as { version: string };

describe('@xray/collector installed from its package', () => {
  let dir: string;
  let project: string;
  let harness: Harness;
  let tarball: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'exporter', 'collector'], { cwd: repoRoot });
    dir = mkdtempSync(join(tmpdir(), 'xray-package-'));
    const pack = (folder: string) =>
      // --ignore-scripts: the SDK's prepack would delete and rebuild exporter/dist while other test files import it; npm test built it already.
      execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dir], { cwd: join(repoRoot, folder), encoding: 'utf8' }).trim().split('\n').at(-1)!;
    const sdk = pack('exporter');
    tarball = pack('collector');
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'someone-elses-project', private: true }));
    const install = spawnSync(
      'npm',
      ['install', '--prefer-offline', '--ignore-scripts', '--omit=optional', '--no-audit', '--no-fund', '--loglevel=error', join(dir, sdk), join(dir, tarball)],
      { cwd: project, encoding: 'utf8', timeout: 240_000 },
    );
    if (install.status !== 0) throw new Error(`npm install of the packed packages failed (needs the npm registry or a warm cache):\n${install.stderr}`);
    // A server backend: the installed collector below shares its ClickHouse.
    harness = await startCollector({ backend: 'server' });
  }, 300_000);

  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** npx in the temporary project, with only the environment it needs. */
  const npx = (args: string[]) =>
    runToEnd('npx', ['--no', '--', '@xray/collector', ...args], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XRAY_URL: harness.url, XRAY_API_KEY: harness.apiKey },
    });

  it('ships the built CLI and its documents, not the sources or tests', () => {
    const files = execFileSync('tar', ['tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('package/bin/xray.js');
    expect(files).toContain('package/dist/cli/main.js');
    expect(files).toContain('package/CLI.md');
    expect(files.filter((file) => file.startsWith('package/src/') || file.startsWith('package/test/'))).toEqual([]);
  });

  it('links the xray bin of the project to this package, not to the npm package named xray', () => {
    const bin = realpathSync(join(project, 'node_modules/.bin/xray'));
    expect(bin).toBe(realpathSync(join(project, 'node_modules/@xray/collector/bin/xray.js')));
  });

  it('runs `npx @xray/collector --version` and reaches the collector', async () => {
    const result = await npx(['--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`xray CLI ${version}\ncollector ${version} at ${harness.url}, query API v1\n`);
  });

  it('lists executions with `npx @xray/collector executions`', async () => {
    const execution = executionSpans({ pipeline: 'installed-cli', steps: [{ name: 'only_step' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    const result = await npx(['executions', '--pipeline', 'installed-cli', '--json']);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { executions: { executionId: string }[] }).executions.map((e) => e.executionId)).toEqual([execution.executionId]);
    const usage = await npx(['executions', '--limit', '-5']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--limit must be a whole number from 1 to 500, got "-5"');
  });

  it('runs the installed collector against a ClickHouse server without its optional dependencies (chDB\'s engine, LMDB\'s addon)', async () => {
    expect(existsSync(join(project, 'node_modules/@xray/collector/dist/main.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/@lmdb'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@chdb'))).toBe(false);
    const port = await freePort();
    const ch = harness.clickhouse!;
    const running = runCollector(
      {
        CLICKHOUSE_URL: ch.url,
        CLICKHOUSE_USER: ch.username,
        CLICKHOUSE_PASSWORD: ch.password,
        CLICKHOUSE_DATABASE: 'default',
        XRAY_HOST: '127.0.0.1',
        XRAY_PORT: String(port),
        XRAY_DATA_DIR: join(dir, 'installed-data'),
        XRAY_MIGRATIONS_DIR: join(repoRoot, 'clickhouse/migrations'),
      },
      join(project, 'node_modules/@xray/collector/dist/main.js'),
    );
    try {
      await waitForOutput(running, /X-Ray collector listening on/);
      const url = `http://127.0.0.1:${port}`;
      // Both collectors read the apps and keys ClickHouse holds: the harness's key works here.
      const execution = executionSpans({ pipeline: 'installed-server', steps: [{ name: 'a' }] });
      expect((await postJson(url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      const read = await fetch(`${url}/api/v1/executions/${execution.executionId}`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
      expect(read.status).toBe(200);
      expect(((await read.json()) as { steps: { name: string }[] }).steps.map((step) => step.name)).toEqual(['a']);
    } finally {
      expect(await stopCollector(running)).toBe(0);
    }
  });
});
