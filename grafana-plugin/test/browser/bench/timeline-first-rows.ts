/**
 * Measures how soon the Execution page shows the first rows of a 50,000-step
 * execution with ~1.5 KB payloads: the built plugin in the test host, in
 * Debian's Chromium, against a real collector seeded through OTLP (the
 * browser harness's parts). bench/plugin-timeline.js bundles and runs this;
 * it is never part of the tests.
 *
 * In one run, interleaved, it measures:
 * - the page: navigation → first timeline row in the DOM (and → the host's
 *   plugin runtime ready, which every page pays);
 * - the old page's critical path, the baseline: the whole execution with every
 *   payload (GET /executions/{id}) fetched through the proxy and parsed in the
 *   page — the old page could show no row before this was done;
 * - what the new page needs first: the outline (GET /executions/{id}/outline).
 */
import { randomBytes } from 'crypto';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { buildHost } from '../support/build-host';
import { startCollector } from '../support/collector';
import { startHostServer } from '../support/host-server';
import { bigExecution, BIG_STEP_COUNT, sendExecution } from '../support/seed';
import { testIds } from '../../../src/components/testIds';
import { COLLECTOR_API_BASE } from '../../../src/constants';

export interface FirstRowsResult {
  steps: number;
  runs: number;
  /** Per run, in milliseconds. */
  pageFirstRowsMillis: number[];
  pageHostReadyMillis: number[];
  wholeExecutionMillis: number[];
  wholeExecutionBytes: number;
  outlineMillis: number[];
  outlineBytes: number;
  seedSeconds: number;
}

/** Stamps, from navigation start, when the host became ready and when the first timeline row appeared. */
const STAMPS = `
(() => {
  let ready = false;
  Object.defineProperty(window, '__hostReady', {
    configurable: true,
    get: () => ready,
    set: (value) => { ready = value; if (value && window.__readyAt === undefined) window.__readyAt = performance.now(); },
  });
  const observer = new MutationObserver(() => {
    if (window.__firstRowAt === undefined && document.querySelector('[data-testid="${testIds.timeline.row}"]')) {
      window.__firstRowAt = performance.now();
      observer.disconnect();
    }
  });
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { childList: true, subtree: true }));
})();
`;

/** Fetches a collector path through the host's proxy and parses it, in the page: milliseconds and bytes. */
async function fetchInPage(page: Page, apiPath: string): Promise<{ millis: number; bytes: number }> {
  return page.evaluate(async (url) => {
    const started = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    JSON.parse(text);
    return { millis: performance.now() - started, bytes: text.length };
  }, `/${COLLECTOR_API_BASE}${apiPath}`);
}

export async function measureTimelineFirstRows(options: {
  runs: number;
  progress: (message: string) => void;
}): Promise<FirstRowsResult> {
  await buildHost();
  const apiKey = `xr_bench_${randomBytes(12).toString('hex')}`;
  const collector = await startCollector(apiKey);
  const browser = await launchBrowser();
  try {
    options.progress(`plugin-timeline: seeding ${BIG_STEP_COUNT.toLocaleString('en-US')} steps through OTLP`);
    const seedStarted = Date.now();
    const big = bigExecution(Date.now() - 20 * 60_000);
    await sendExecution(collector.url, apiKey, big.spans);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const executionId = big.execution.executionId;

    const host = await startHostServer({
      enabled: true,
      pinned: true,
      jsonData: { collectorUrl: collector.url },
      secureJsonData: { apiKey },
    });
    const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'dark' });
    await context.addInitScript(STAMPS);
    const result: FirstRowsResult = {
      steps: BIG_STEP_COUNT,
      runs: options.runs,
      pageFirstRowsMillis: [],
      pageHostReadyMillis: [],
      wholeExecutionMillis: [],
      wholeExecutionBytes: 0,
      outlineMillis: [],
      outlineBytes: 0,
      seedSeconds,
    };
    try {
      // One untimed round first (module and host bundle into the browser cache, collector warm), then the timed ones.
      for (let run = -1; run < options.runs; run++) {
        const page = await context.newPage();
        await page.goto(`${host.url}/a/xray-decisions-app/executions/${executionId}`);
        await page.waitForFunction(
          () => (window as unknown as { __firstRowAt?: number }).__firstRowAt !== undefined,
          undefined,
          {
            timeout: 120_000,
          }
        );
        const stamps = await page.evaluate(() => {
          const w = window as unknown as { __firstRowAt: number; __readyAt: number };
          return { firstRow: w.__firstRowAt, ready: w.__readyAt };
        });
        // Let the page settle (previews, the selected step) before timing the fetches in it.
        await page
          .locator(`[data-testid="${testIds.stepDetails.container}"][data-loaded="true"]`)
          .waitFor({ timeout: 120_000 });
        const whole = await fetchInPage(page, `/executions/${executionId}`);
        const outline = await fetchInPage(page, `/executions/${executionId}/outline`);
        await page.close();
        if (run < 0) {
          continue;
        }
        result.pageFirstRowsMillis.push(stamps.firstRow);
        result.pageHostReadyMillis.push(stamps.ready);
        result.wholeExecutionMillis.push(whole.millis);
        result.wholeExecutionBytes = whole.bytes;
        result.outlineMillis.push(outline.millis);
        result.outlineBytes = outline.bytes;
        options.progress(
          `plugin-timeline: run ${run + 1}/${options.runs}: first rows ${Math.round(stamps.firstRow)} ms (host ready ${Math.round(stamps.ready)} ms); whole execution ${Math.round(whole.millis)} ms, outline ${Math.round(outline.millis)} ms`
        );
      }
    } finally {
      await context.close();
      await host.close();
    }
    return result;
  } finally {
    await browser.close();
    await collector.stop();
  }
}
