/**
 * Measures how soon the Execution page shows the first rows of a 50,000-step
 * execution with ~1.5 KB payloads: the built plugin in the test host, in
 * Debian's Chromium, against a real collector seeded through OTLP (the
 * browser harness's parts). bench/plugin-timeline.js bundles and runs this;
 * it is never part of the tests. Starting the harness (building, seeding,
 * launching Chromium) is outside every figure.
 *
 * In one run, interleaved, it measures:
 * - navigating to the execution in the running app: a click on the
 *   execution's link in the Executions list, handled by the host's router as
 *   Grafana's handles it (no page load; the Execution page's code not loaded
 *   yet in that page) → the first frame with a timeline row;
 * - loading the execution's page from its URL (a deep link or a reload: the
 *   host, the stand-in for Grafana's own start-up, boots first) → the first
 *   frame with a timeline row, and → the host's plugin runtime ready;
 * - the old page's critical path, the baseline: the whole execution with every
 *   payload (GET /executions/{id}) fetched through the proxy and parsed in the
 *   page — the old page could show no row before this was done;
 * - what the new page reads: the outline (GET /executions/{id}/outline), and
 *   the search within the execution (GET /executions/{id}/steps/search) for a
 *   phrase of one step and for a word of 49,499 steps.
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
  navigationFirstRowsMillis: number[];
  pageFirstRowsMillis: number[];
  pageHostReadyMillis: number[];
  /** The first (200-step) outline request of the page load, request start → response end. */
  pageFirstOutlineMillis: number[];
  wholeExecutionMillis: number[];
  wholeExecutionBytes: number;
  outlineMillis: number[];
  outlineBytes: number;
  rareSearchMillis: number[];
  commonSearchMillis: number[];
  commonSearchMatches: number;
  commonSearchBytes: number;
  seedSeconds: number;
}

/** A phrase of one step's reasoning, input and output; a word of every item step's reasoning. */
export const RARE_SEARCH = '"item 250 7"';
export const COMMON_SEARCH = 'scored';

/** Stamps, from navigation start, when the host became ready and when the first timeline row appeared. */
const STAMPS = `
(() => {
  let ready = false;
  Object.defineProperty(window, '__hostReady', {
    configurable: true,
    get: () => ready,
    set: (value) => { ready = value; if (value && window.__readyAt === undefined) window.__readyAt = performance.now(); },
  });
  // The frame that shows the first row: the next animation frame after the row is in the DOM.
  const observer = new MutationObserver(() => {
    if (window.__firstRowAt === undefined && document.querySelector('[data-testid="${testIds.timeline.row}"]')) {
      window.__firstRowAt = null;
      observer.disconnect();
      requestAnimationFrame(() => { window.__firstRowAt = performance.now(); });
    }
  });
  document.addEventListener('DOMContentLoaded', () => observer.observe(document.body, { childList: true, subtree: true }));
})();
`;

/**
 * Fetches a collector path through the host's proxy and parses it, in the page: milliseconds, bytes and, for a
 * search, the number of span ids (the body itself stays in the page: sending 96 MB back would cost more than the fetch).
 */
async function fetchInPage(page: Page, apiPath: string): Promise<{ millis: number; bytes: number; spanIds: number }> {
  return page.evaluate(async (url) => {
    const started = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    const body = JSON.parse(text);
    const millis = performance.now() - started;
    if (!response.ok) {
      throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
    }
    return { millis, bytes: text.length, spanIds: Array.isArray(body.spanIds) ? body.spanIds.length : -1 };
  }, `/${COLLECTOR_API_BASE}${apiPath}`);
}

/**
 * In the page showing the Executions list: clicks the execution's link (the
 * app's own, handled by the host's router) and resolves with the milliseconds
 * from the click to the first animation frame with a timeline row.
 */
async function navigateInApp(page: Page, executionId: string): Promise<number> {
  const link = page.locator(`[data-testid="${testIds.executions.link}"][href*="${executionId}"]`).first();
  await link.waitFor({ timeout: 120_000 });
  return link.evaluate(
    (anchor, rowSelector) =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        const observer = new MutationObserver(() => {
          if (document.querySelector(rowSelector)) {
            observer.disconnect();
            requestAnimationFrame(() => resolve(performance.now() - started));
          }
        });
        observer.observe(document.body, { childList: true, subtree: true });
        (anchor as HTMLElement).click();
      }),
    `[data-testid="${testIds.timeline.row}"]`
  );
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
      navigationFirstRowsMillis: [],
      pageFirstRowsMillis: [],
      pageHostReadyMillis: [],
      pageFirstOutlineMillis: [],
      wholeExecutionMillis: [],
      wholeExecutionBytes: 0,
      outlineMillis: [],
      outlineBytes: 0,
      rareSearchMillis: [],
      commonSearchMillis: [],
      commonSearchMatches: 0,
      commonSearchBytes: 0,
      seedSeconds,
    };
    try {
      // One untimed round first (module and host bundle into the browser cache, collector warm), then the timed ones.
      for (let run = -1; run < options.runs; run++) {
        const page = await context.newPage();
        await page.goto(`${host.url}/a/xray-decisions-app/executions/${executionId}`);
        await page.waitForFunction(
          () => typeof (window as unknown as { __firstRowAt?: number }).__firstRowAt === 'number',
          undefined,
          {
            timeout: 120_000,
          }
        );
        const stamps = await page.evaluate(() => {
          const w = window as unknown as { __firstRowAt: number; __readyAt: number };
          const firstOutline = performance
            .getEntriesByType('resource')
            .find((entry) => /\/outline\?limit=/.test(entry.name)) as PerformanceResourceTiming | undefined;
          return {
            firstRow: w.__firstRowAt,
            ready: w.__readyAt,
            firstOutline: firstOutline ? firstOutline.responseEnd - firstOutline.requestStart : NaN,
          };
        });
        // Let the page settle (previews, the selected step) before timing the fetches in it.
        await page
          .locator(`[data-testid="${testIds.stepDetails.container}"][data-loaded="true"]`)
          .waitFor({ timeout: 120_000 });
        const whole = await fetchInPage(page, `/executions/${executionId}`);
        const outline = await fetchInPage(page, `/executions/${executionId}/outline`);
        const searchPath = (q: string) =>
          `/executions/${executionId}/steps/search?q=${encodeURIComponent(q)}&limit=100000&snippets=200`;
        const rare = await fetchInPage(page, searchPath(RARE_SEARCH));
        const common = await fetchInPage(page, searchPath(COMMON_SEARCH));
        await page.close();

        // Navigating in the running app, in a page that opened on the Executions list: the Execution page's code
        // has not loaded there yet, as for a user who opens an execution from the list.
        const listPage = await context.newPage();
        await listPage.goto(`${host.url}/a/xray-decisions-app/executions`);
        const navigation = await navigateInApp(listPage, executionId);
        await listPage.close();
        if (run < 0) {
          continue;
        }
        result.navigationFirstRowsMillis.push(navigation);
        result.pageFirstRowsMillis.push(stamps.firstRow);
        result.pageHostReadyMillis.push(stamps.ready);
        result.pageFirstOutlineMillis.push(stamps.firstOutline);
        result.rareSearchMillis.push(rare.millis);
        result.commonSearchMillis.push(common.millis);
        result.commonSearchMatches = common.spanIds;
        result.commonSearchBytes = common.bytes;
        result.wholeExecutionMillis.push(whole.millis);
        result.wholeExecutionBytes = whole.bytes;
        result.outlineMillis.push(outline.millis);
        result.outlineBytes = outline.bytes;
        options.progress(
          `plugin-timeline: run ${run + 1}/${options.runs}: navigation -> first rows ${Math.round(navigation)} ms; page load -> first rows ${Math.round(stamps.firstRow)} ms (host ready ${Math.round(stamps.ready)} ms); whole execution ${Math.round(whole.millis)} ms, outline ${Math.round(outline.millis)} ms; search ${Math.round(rare.millis)} / ${Math.round(common.millis)} ms`
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
