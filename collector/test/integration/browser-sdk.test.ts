/**
 * The browser SDK in real Chromium against a real collector (issue 9, item
 * 6): a page served from its own origin loads the browser bundle, records
 * an execution, and it reads back through the API; a page whose origin the
 * app does not allow is refused (nothing stored, the SDK reports it); an
 * execution that ends while the page is going away is still delivered
 * (the SDK's pagehide listener exports at once, with a keepalive fetch).
 * Every page carries an ingest-only key (scopes ['ingest']), the one the
 * README says to ship in a page; reading back uses the app's full key.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../../../exporter/scripts/build-browser.mjs';
import { adminCall } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { readmeExamples } from '../support/readme-examples.js';

const PAGE = `<!doctype html><html><head><title>shop</title></head><body>
<script type="module">
  import { XRay } from '/xray.js';
  const params = new URLSearchParams(location.search);
  const errors = [];
  let execution;
  // Registered before the SDK's own pagehide listener, so it runs first: the execution ends as the page goes.
  if (params.get('flush') === 'no') addEventListener('pagehide', () => execution.completeExecution({ ok: true }));
  const xray = new XRay({
    apiKey: params.get('key'), endpoint: params.get('endpoint'), serviceName: 'shop-web', pipeline: 'checkout',
    timeoutMillis: Number(params.get('timeout')),
    onError: (error) => errors.push(error.kind),
  });
  execution = xray.startExecution({ executionId: params.get('id'), metadata: { page: 'cart' } });
  execution.recordStep({ name: 'load_cart', output: { items: 2 } });
  execution.recordStep({ name: 'price', input: { items: 2 }, output: { total: 42 }, reasoning: 'two items at 21' });
  if (params.get('flush') === 'yes') {
    execution.completeExecution({ ok: true });
    const report = await xray.flush({ timeoutMillis: 5000 });
    window.__result = { report, errors, stats: xray.stats() };
  } else {
    window.__result = { pending: true };
  }
</script></body></html>`;

interface PageServer {
  origin: string;
  close(): Promise<void>;
}

/** Pages served besides `/` (path -> module script), e.g. the README's browser example. */
const extraPages = new Map<string, string>();

async function servePage(bundleDir: string): Promise<PageServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://page.invalid').pathname;
    if (path === '/xray.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(readFileSync(join(bundleDir, 'xray.js')));
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(PAGE);
    } else if (extraPages.has(path)) {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<!doctype html><html><body><script type="module">${extraPages.get(path)}</script></body></html>`);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('@xray/sdk in Chromium', () => {
  let harness: Harness;
  let browser: Browser;
  let bundleDir: string;
  let allowed: PageServer;
  let refused: PageServer;
  /** The key the pages ship: it may send spans and nothing else. */
  let ingestKey: string;

  beforeAll(async () => {
    bundleDir = mkdtempSync(join(tmpdir(), 'xray-browser-'));
    const result = await buildBrowserBundle(join(bundleDir, 'xray.js'));
    // The browser path pulls in no Node built-in.
    expect(Object.keys(result.metafile.inputs).filter((input) => input.startsWith('node:'))).toEqual([]);
    harness = await startCollector();
    const issued = await adminCall(harness, 'POST', `/apps/${harness.appId}/keys`, { name: 'web page', scopes: ['ingest'] });
    expect(issued.status).toBe(201);
    expect(issued.body.scopes).toEqual(['ingest']);
    ingestKey = issued.body.apiKey;
    // What a visitor could do with the page's key: send spans, not read anything back.
    expect((await getJson(harness, '/api/v1/executions', ingestKey)).status).toBe(403);
    allowed = await servePage(bundleDir);
    refused = await servePage(bundleDir);
    const put = await fetch(`${harness.url}/api/v1/admin/apps/${harness.appId}/cors`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${harness.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allowedOrigins: [allowed.origin] }),
    });
    expect(put.status).toBe(200);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await allowed?.close();
    await refused?.close();
    await harness?.close();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  async function runPage(origin: string, id: string, flush: 'yes' | 'no', timeoutMillis = 10_000): Promise<any> {
    const page = await browser.newPage();
    const query = new URLSearchParams({ key: ingestKey, endpoint: harness.url, id, flush, timeout: String(timeoutMillis) });
    await page.goto(`${origin}/?${query}`);
    await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 20_000 });
    const result = await page.evaluate(() => (window as unknown as { __result: unknown }).__result);
    return { page, result };
  }

  it('records an execution from an allowed page and reads it back through the API', async () => {
    const { page, result } = await runPage(allowed.origin, 'browser-allowed', 'yes');
    await page.close();
    expect(result.report).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
    expect(result.errors).toEqual([]);

    const { status, body } = await getJson(harness, '/api/v1/executions/browser-allowed');
    expect(status).toBe(200);
    expect(body.execution).toMatchObject({ pipeline: 'checkout', status: 'completed', stepCount: 2 });
    expect(body.steps.map((step: { name: string }) => step.name)).toEqual(['load_cart', 'price']);
    expect(body.steps[1].reasoning).toBe('two items at 21');
  });

  it('is refused from a page whose origin the app does not allow', async () => {
    // A refused origin looks like a network failure to a page, which is retried: a short export timeout ends that.
    const { page, result } = await runPage(refused.origin, 'browser-refused', 'yes', 1500);
    await page.close();
    expect(result.report).toMatchObject({ sent: 0, failed: 1, timedOut: false });
    expect(result.errors).toEqual(['NETWORK']);
    expect((await getJson(harness, '/api/v1/executions/browser-refused')).status).toBe(404);
  });

  /** Waits for the execution's root row (its steps may be stored first: a 200 with no execution yet). */
  /** Waits until the execution's root and at least `steps` of its steps are stored (the two tables' inserts commit apart). */
  async function waitForExecution(id: string, steps = 0): Promise<number> {
    let status = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      const reply = await getJson(harness, `/api/v1/executions/${id}`);
      status = reply.status;
      if (status === 200 && reply.body.execution && reply.body.steps.length >= steps) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return status;
  }

  it("runs exporter/README.md's browser example, with only its key and URLs filled in", async () => {
    const example = readmeExamples().get('browser');
    expect(example).toBeDefined();
    const code = (example as string)
      .replace("from '@xray/sdk'", "from '/xray.js'")
      .replace("'<ingest key>'", JSON.stringify(ingestKey))
      .replace("'https://collector.example'", JSON.stringify(harness.url));
    expect(code).not.toContain('<ingest key>');
    extraPages.set('/readme', code);
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/readme`);
    expect(await waitForExecution('readme-browser', 2)).toBe(200);
    await page.close();
    const { body } = await getJson(harness, '/api/v1/executions/readme-browser');
    expect(body.execution).toMatchObject({ pipeline: 'checkout', serviceName: 'shop-web', stepCount: 2 });
  });

  it('delivers an execution that ends as the page goes away (pagehide + keepalive fetch)', async () => {
    const { page } = await runPage(allowed.origin, 'browser-pagehide', 'no');
    await page.goto('about:blank');
    await page.close();
    expect(await waitForExecution('browser-pagehide')).toBe(200);
  });
});
