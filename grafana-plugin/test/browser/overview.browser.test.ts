/**
 * The Overview page in a real browser against a live collector: the numbers
 * and series it shows must be the ones seeded, computed here independently
 * from the seed manifest.
 */
import type { Browser } from 'playwright-core';
import { testIds } from '../../src/components/testIds';
import {
  closeContext,
  configuredSettings,
  gotoPlugin,
  launchBrowser,
  openContext,
  panelFrames,
  readState,
  type RunState,
  screenshot,
  type TestContext,
} from './support/browser';

const MINUTE = 60_000;

describe('Overview page', () => {
  let browser: Browser;
  let state: RunState;
  let context: TestContext;

  beforeAll(async () => {
    state = readState();
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    context = await openContext(browser, configuredSettings(state));
  });
  afterEach(async () => {
    expect(context.pageErrors).toEqual([]);
    await closeContext(context);
  });

  async function statValue(id: string): Promise<string> {
    const tile = context.page.locator(`[data-testid="${testIds.overview.stat}"][data-stat="${id}"] [data-stat-value]`);
    return (await tile.textContent()) ?? '';
  }

  it('shows the seeded totals and the failure rate of each pipeline per minute', async () => {
    const { page } = context;
    // The last hour: the collector buckets it by the minute, as the plugin asks.
    await gotoPlugin(context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    await page.waitForFunction((selector) => {
      const text = document.querySelector(selector)?.textContent;
      return text !== undefined && text !== '–';
    }, `[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`);
    const executions = state.manifest.executions;
    const failed = executions.filter((execution) => execution.failed);
    expect(await statValue('executions')).toBe(String(executions.length));
    expect(await statValue('failed')).toBe(String(failed.length));
    expect(await statValue('failure-rate')).toBe(`${((failed.length / executions.length) * 100).toFixed(1)}%`);

    await page
      .getByTestId(testIds.overview.failureRatePanel)
      .getByTestId('host-panel-data')
      .waitFor({ state: 'attached' });
    const { pluginId, frames } = await panelFrames(page, testIds.overview.failureRatePanel);
    expect(pluginId).toBe('timeseries');
    const pipelines = [...new Set(executions.map((execution) => execution.pipeline))].sort();
    expect(frames.map((frame) => frame.name)).toEqual(pipelines);
    for (const frame of frames) {
      const times = frame.fields[0].values as number[];
      const rates = frame.fields[1].values as Array<number | null>;
      const expected = new Map<number, { executions: number; failed: number }>();
      for (const execution of executions.filter((e) => e.pipeline === frame.name)) {
        const bucket = Math.floor(execution.startMs / MINUTE) * MINUTE;
        const sum = expected.get(bucket) ?? { executions: 0, failed: 0 };
        sum.executions += 1;
        sum.failed += execution.failed ? 1 : 0;
        expected.set(bucket, sum);
      }
      const shown = new Map(times.map((time, i) => [time, rates[i]] as const).filter(([, rate]) => rate !== null));
      expect([...shown.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [bucket, sum] of expected) {
        expect(shown.get(bucket)).toBeCloseTo(sum.failed / sum.executions);
      }
    }

    // Executions per interval: completed + failed over all pipelines add up to the seeded count.
    const perInterval = (await panelFrames(page, testIds.overview.executionsPanel)).frames[0];
    const sum = (name: string) =>
      (perInterval.fields.find((field) => field.name === name)!.values as number[]).reduce((a, b) => a + b, 0);
    expect(sum('Completed') + sum('Failed')).toBe(executions.length);
    expect(sum('Failed')).toBe(failed.length);

    // The charts are drawn (uPlot canvases), not just handed data.
    expect(await page.getByTestId(testIds.overview.failureRatePanel).locator('canvas').count()).toBeGreaterThan(0);
  });

  it('lists the steps that fail most and filters by pipeline through the URL', async () => {
    const { page } = context;
    await gotoPlugin(context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    const table = page.getByTestId(`${testIds.overview.topFailingSteps}-table`);
    await table.waitFor();
    const firstRow = table.locator('tbody tr').first();
    await expect(firstRow.textContent()).resolves.toContain('velocity-check');
    await expect(firstRow.textContent()).resolves.toContain('4');
    await expect(table.textContent()).resolves.toContain('credit-score');
    await page.waitForTimeout(300); // let the charts settle for the screenshot
    await screenshot(page, 'overview');

    await gotoPlugin(context, '/a/xray-decisions-app/overview?from=now-1h&to=now&pipeline=fraud-check');
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent === '8',
      `[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`
    );
    expect(await statValue('failed')).toBe('4');
    expect(await statValue('failure-rate')).toBe('50.0%');
  });

  it('keeps the time range and refresh interval in the URL', async () => {
    const { page } = context;
    await gotoPlugin(context, '/a/xray-decisions-app/overview?from=now-6h&to=now&refresh=1m');
    await page.getByTestId(testIds.controls.timeControls).waitFor();
    await expect(page.getByTestId(testIds.controls.timeControls).textContent()).resolves.toContain('Last 6 hours');
    // Choose another range in Grafana's time picker: the URL follows.
    await page.getByTestId('data-testid TimePicker Open Button').click();
    await page
      .getByRole('button', { name: 'Last 3 hours' })
      .or(page.getByText('Last 3 hours', { exact: true }))
      .first()
      .click();
    await page.waitForURL(/from=now-3h/);
    expect(new URL(page.url()).searchParams.get('refresh')).toBe('1m');
  });
});
