/**
 * Installable from outside (issue 9, item 1): `npm pack` of exporter/, then an
 * app in a temporary folder installs the tarball (from the npm cache, no
 * registry round trips when it is warm) and uses it from JavaScript and from
 * strict TypeScript with moduleResolution node16 and bundler, without
 * @types/node. Uses the built dist/ (`npm test` builds first).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';

const run = promisify(execFile);
const EXPORTER_DIR = fileURLToPath(new URL('../../', import.meta.url));
const TSC = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url));

const APP_TS = `
import XRay, { XRaySpanProcessor, XRayExportError, type XRayOptions, type StepInput, type FlushReport } from '@xray/sdk';
import { ATTR_XRAY_PIPELINE } from '@xray/sdk/semconv';

const options: XRayOptions = { apiKey: 'xr_test', serviceName: 'loan-api', onError: (error: XRayExportError) => error.hint };
const xray = new XRay(options);
const execution = xray.startExecution({ pipeline: 'loan-approval' });
const step: StepInput = { name: 'score', output: { score: 750 } };
const id: number = execution.recordStep(step);
execution.recordStep({ name: 'decide', parentStepId: id });
execution.completeExecution({ approved: true });
const processor = new XRaySpanProcessor({ apiKey: 'xr_test' });
const report: Promise<FlushReport> = xray.shutdown();
export { processor, report, ATTR_XRAY_PIPELINE };
`;

const APP_JS = `
import XRay from '@xray/sdk';
import { ATTR_XRAY_EXECUTION_ROOT } from '@xray/sdk/semconv';
const xray = new XRay({ serviceName: 'loan-api', pipeline: 'loan-approval' }); // key and endpoint from XRAY_*
const execution = xray.startExecution();
execution.recordStep({ name: 'fetch_credit_score', output: { score: 750 } });
execution.completeExecution({ approved: true });
const report = await xray.shutdown();
console.log(JSON.stringify({ report, root: ATTR_XRAY_EXECUTION_ROOT }));
`;

function tsconfig(moduleResolution: 'node16' | 'bundler'): string {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      module: moduleResolution === 'node16' ? 'node16' : 'esnext',
      moduleResolution,
      target: 'ES2022',
      // No @types/node: the package's declarations must not need it.
      types: [],
      noEmit: true,
      skipLibCheck: false,
    },
    files: ['app.ts'],
  });
}

describe('package install from a tarball', () => {
  let dir: string;
  let installLog: string;
  let sink: HttpSink;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-sdk-install-'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: EXPORTER_DIR });
    const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'outside-app', private: true, type: 'module', dependencies: { '@xray/sdk': `file:./${filename}` } }),
    );
    const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir });
    installLog = installed.stdout + installed.stderr;
    sink = await startHttpSink();
  }, 180_000);

  // Removing the installed node_modules (TypeScript included) takes longer than the default 10 s on a busy machine.
  afterAll(async () => {
    await sink?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('installs with no engine warnings and declares a license', () => {
    expect(installLog).not.toMatch(/EBADENGINE|ERESOLVE|peer dep/i);
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules/@xray/sdk/package.json'), 'utf8'));
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(join(dir, 'node_modules/@xray/sdk/LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('runs from JavaScript with the key and endpoint from the environment', async () => {
    writeFileSync(join(dir, 'app.mjs'), APP_JS);
    const { stdout } = await run(process.execPath, ['app.mjs'], {
      cwd: dir,
      env: { ...process.env, XRAY_API_KEY: 'xr_outside', XRAY_ENDPOINT: sink.url },
    });
    expect(JSON.parse(stdout)).toEqual({ report: { sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 }, root: 'xray.execution.root' });
    expect(sink.received.map((request) => [request.url, request.headers.authorization])).toEqual([['/v1/traces', 'Bearer xr_outside']]);
  }, 60_000);

  it.each(['node16', 'bundler'] as const)('type-checks in strict TypeScript with moduleResolution %s', async (resolution) => {
    writeFileSync(join(dir, 'app.ts'), APP_TS);
    writeFileSync(join(dir, `tsconfig.${resolution}.json`), tsconfig(resolution));
    const result = await run(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], { cwd: dir }).catch((error) => error);
    expect(`${result.stdout ?? ''}${result.stderr ?? ''}`).toBe('');
  }, 120_000);
});
