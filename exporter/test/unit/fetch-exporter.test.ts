/**
 * The browser's fetch exporter against a real local HTTP server: gzip when
 * asked, and uncompressed while the page is going away (CompressionStream is
 * asynchronous, and a document being torn down may never let it finish).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExportErrorReporter } from '../../src/export-error-reporter.js';
import { createFetchExporter, pageLifecycle } from '../../src/platform/fetch-exporter.js';

describe('fetch exporter', () => {
  let server: Server;
  let url = '';
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.headers);
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  afterEach(() => {
    pageLifecycle.leaving = false;
    received.length = 0;
  });

  const exportOnce = (): Promise<ExportResult> => {
    const exporter = createFetchExporter({
      tracesUrl: url,
      headers: {},
      timeoutMillis: 5_000,
      compression: 'gzip',
      signingSecret: undefined,
      reporter: createExportErrorReporter(undefined),
    });
    return new Promise((resolve) => exporter.export([], resolve));
  };

  it('gzips the body when compression is gzip', async () => {
    expect((await exportOnce()).code).toBe(ExportResultCode.SUCCESS);
    expect(received[0]['content-encoding']).toBe('gzip');
  });

  it('sends uncompressed while the page is going away', async () => {
    pageLifecycle.leaving = true;
    expect((await exportOnce()).code).toBe(ExportResultCode.SUCCESS);
    expect(received[0]['content-encoding']).toBeUndefined();
    expect(received[0]['content-type']).toBe('application/json');
  });
});
