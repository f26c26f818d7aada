/**
 * Failures speak once (issue 9, item 4), through the real HTTP exporter
 * against a local server: the collector's XRAY_ERR_* code (header or
 * google.rpc.Status body) reaches `onError` and `diag` once per kind with
 * what to do, `stats()` counts every one, Retry-After is honoured with
 * jitter, `shutdown()` reports what is still pending, and nothing the SDK
 * schedules keeps a process alive.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { XRay, XRayExportError } from '../../src/index.js';
import { startHttpSink, type HttpSink } from '../support/http-sink.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function captureDiag(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const push = (message: string, ...args: unknown[]): void => {
    lines.push([message, ...args].join(' '));
  };
  const logger: DiagLogger = { error: push, warn: push, info: push, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { lines, restore: () => diag.disable() };
}

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('export errors', () => {
  let sink: HttpSink;

  beforeEach(async () => {
    sink = await startHttpSink();
  });

  afterEach(async () => {
    await sink.close();
  });

  describe('onError and diag', () => {
    it('names the collector code from x-xray-error-code once per kind, and counts every failure', async () => {
      sink.reply = () => ({
        status: 401,
        headers: { 'content-type': 'application/json', 'x-xray-error-code': 'XRAY_ERR_AUTH_INVALID_KEY' },
        body: JSON.stringify({ code: 16, message: 'XRAY_ERR_AUTH_INVALID_KEY: The API key is unknown or revoked' }),
      });
      const captured = captureDiag();
      try {
        const errors: XRayExportError[] = [];
        const xray = new XRay({ apiKey: 'xr_wrong', endpoint: sink.url, onError: (error) => errors.push(error) });
        for (let i = 0; i < 3; i++) xray.startExecution().completeExecution();
        expect(await xray.shutdown({ timeoutMillis: 5000 })).toMatchObject({ failed: 3, sent: 0 });

        expect(errors).toHaveLength(1);
        expect(errors[0]).toBeInstanceOf(XRayExportError);
        expect(errors[0]).toMatchObject({ kind: 'XRAY_ERR_AUTH_INVALID_KEY', code: 'XRAY_ERR_AUTH_INVALID_KEY', status: 401, retryable: false });
        expect(errors[0].hint).toMatch(/XRAY_API_KEY/);
        expect(errors[0].message).toContain('The API key is unknown or revoked');
        const warnings = captured.lines.filter((line) => line.includes('XRAY_ERR_AUTH_INVALID_KEY'));
        expect(warnings).toHaveLength(1);
        expect(xray.stats()).toMatchObject({ exportFailures: 3, exportErrors: { XRAY_ERR_AUTH_INVALID_KEY: 3 }, exportRetries: 0 });
        // Not retried: 401 is final.
        expect(sink.received).toHaveLength(3);
      } finally {
        captured.restore();
      }
    });

    it('reads the code from the google.rpc.Status message when the header is missing', async () => {
      sink.reply = () => ({
        status: 413,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: 3, message: 'XRAY_ERR_OTLP_BODY_TOO_LARGE: The request body is larger than the limit' }),
      });
      const errors: XRayExportError[] = [];
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, onError: (error) => errors.push(error) });
      xray.startExecution().completeExecution();
      await xray.shutdown({ timeoutMillis: 5000 });
      expect(errors.map((error) => [error.kind, error.status])).toEqual([['XRAY_ERR_OTLP_BODY_TOO_LARGE', 413]]);
      expect(errors[0].hint).toMatch(/maxRequestBytes/);
    });

    it('reports a refused connection with its network code and survives a throwing onError', async () => {
      const errors: string[] = [];
      const xray = new XRay({
        apiKey: 'k',
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        timeoutMillis: 500,
        onError: (error) => {
          errors.push(error.kind);
          throw new Error('hook bug');
        },
      });
      xray.startExecution().completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 5000 })).toMatchObject({ failed: 1 });
      expect(errors).toEqual(['ECONNREFUSED']);
    });

    it('reports spans the collector rejected in a partial success', async () => {
      sink.reply = () => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ partialSuccess: { rejectedSpans: '2', errorMessage: 'span name is empty' } }),
      });
      const errors: XRayExportError[] = [];
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, onError: (error) => errors.push(error) });
      xray.startExecution().completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 5000 })).toMatchObject({ sent: 1, failed: 0 });
      expect(errors.map((error) => error.kind)).toEqual(['PARTIAL_SUCCESS']);
      expect(errors[0].message).toContain('span name is empty');
      expect(xray.stats().spansRejected).toBe(2);
    });
  });

  describe('retries', () => {
    it('waits at least Retry-After, spreads concurrent retries, then succeeds', async () => {
      const firstAttempts = 4;
      sink.reply = (_request, index) =>
        index < firstAttempts
          ? { status: 503, headers: { 'retry-after': '1', 'x-xray-error-code': 'XRAY_ERR_OVERLOADED' }, body: '' }
          : { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' };
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, maxConcurrentExports: 4 });
      for (let i = 0; i < firstAttempts; i++) xray.startExecution().completeExecution();
      expect(await xray.shutdown({ timeoutMillis: 8000 })).toMatchObject({ sent: 4, failed: 0 });

      const refusedAt = Math.max(...sink.received.slice(0, firstAttempts).map((request) => request.atMillis));
      const retries = sink.received.slice(firstAttempts).map((request) => request.atMillis);
      expect(retries).toHaveLength(4);
      for (const at of retries) expect(at - refusedAt).toBeGreaterThanOrEqual(1000 - 50);
      // Jitter: the four retries do not land together.
      expect(Math.max(...retries) - Math.min(...retries)).toBeGreaterThan(4);
      expect(xray.stats()).toMatchObject({ exportRetries: 4, exportErrors: {} });
    });
  });

  describe('shutdown', () => {
    it('reports exports still in flight at its deadline as pending', async () => {
      sink.reply = () => undefined; // never answers
      const xray = new XRay({ apiKey: 'k', endpoint: sink.url, timeoutMillis: 60_000 });
      xray.startExecution().completeExecution();
      xray.startExecution().completeExecution();
      const report = await xray.shutdown({ timeoutMillis: 200 });
      expect(report).toMatchObject({ sent: 0, timedOut: true, pending: 2 });
    });
  });

  describe('process lifetime', () => {
    it('lets a process with an unreachable collector exit while a retry is still scheduled', async () => {
      const port = await closedPort();
      const script = `
        import { XRay } from '@xray/sdk';
        const xray = new XRay({ apiKey: 'k', endpoint: 'http://127.0.0.1:${port}', timeoutMillis: 60000 });
        xray.startExecution().completeExecution();
        process.on('exit', () => console.log('exit pending', xray.stats().pending, 'retries', xray.stats().exportRetries));
      `;
      const output = await runNode(script);
      expect(output.code).toBe(0);
      // The first attempt was refused and a retry scheduled (60 s of retries allowed), yet the
      // process exited with the execution still waiting for it: no SDK timer held it.
      expect(output.stdout).toContain('exit pending 1 retries 1');
    });

    it('lets a process exit once shutdown() has returned', async () => {
      const port = await closedPort();
      const script = `
        import { XRay } from '@xray/sdk';
        const xray = new XRay({ apiKey: 'k', endpoint: 'http://127.0.0.1:${port}', timeoutMillis: 60000 });
        xray.startExecution().completeExecution();
        const report = await xray.shutdown({ timeoutMillis: 300 });
        console.log('report', JSON.stringify(report));
      `;
      const output = await runNode(script);
      expect(output.code).toBe(0);
      expect(output.stdout).toContain('"timedOut":true');
      expect(output.stdout).toContain('"pending":1');
    });
  });
});

/** Runs an ES module script with Node from the repository root (so `@xray/sdk` resolves to the built package). */
function runNode(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
