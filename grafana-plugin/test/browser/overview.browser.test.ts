/**
 * The Overview page in a real browser against a live collector: the numbers
 * and series it shows must be the ones seeded, computed here independently
 * from the seed manifest.
 */
import type { Locator, Page } from 'playwright-core';
import { testIds } from '../../src/components/testIds';
import { formatDurationMs } from '../../src/data/time';
import { gotoPlugin, panelFrames, type ProbedFrame, screenshot, usePluginPage } from './support/browser';
import type { SeededExecution } from './support/seed';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The value ClickHouse's `quantileExact` picks: the element at floor(level * n) of the sorted values. */
function quantileExact(values: number[], level: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))];
}

/** p50/p95 of the seeded execution durations in each minute bucket that has executions. */
function expectedDurations(executions: SeededExecution[]): Map<number, { p50: number; p95: number }> {
  const byBucket = new Map<number, number[]>();
  for (const execution of executions) {
    const bucket = Math.floor(execution.startMs / MINUTE) * MINUTE;
    byBucket.set(bucket, [...(byBucket.get(bucket) ?? []), execution.durationMs]);
  }
  return new Map(
    [...byBucket].map(([bucket, durations]) => [
      bucket,
      { p50: quantileExact(durations, 0.5), p95: quantileExact(durations, 0.95) },
    ])
  );
}

interface ExpectedStep {
  name: string;
  pipeline: string;
  failed: number;
  total: number;
  latestError: string;
  latestExecutionId: string;
}

/**
 * The steps that fail most as the collector's hourly step rollup counts them:
 * every run whose start falls in the whole UTC hours from the one holding
 * `from` to the one holding the last instant before `to`; most failures
 * first, then most runs, then pipeline and name.
 */
function expectedTopSteps(
  executions: SeededExecution[],
  window: { fromMillis: number; toMillis: number },
  limit = 10
): ExpectedStep[] {
  const fromHour = Math.floor(window.fromMillis / HOUR) * HOUR;
  const toHour = Math.ceil(window.toMillis / HOUR) * HOUR;
  const groups = new Map<string, ExpectedStep & { latestAt: number }>();
  for (const execution of executions) {
    for (const step of execution.steps) {
      if (step.startMs < fromHour || step.startMs >= toHour) {
        continue;
      }
      const key = `${execution.pipeline}/${step.name}`;
      const group = groups.get(key) ?? {
        name: step.name,
        pipeline: execution.pipeline,
        failed: 0,
        total: 0,
        latestError: '',
        latestExecutionId: '',
        latestAt: -Infinity,
      };
      group.total += 1;
      if (step.status === 'failed') {
        group.failed += 1;
        if (step.startMs > group.latestAt) {
          group.latestAt = step.startMs;
          group.latestError = step.error ?? '';
          group.latestExecutionId = execution.executionId;
        }
      }
      groups.set(key, group);
    }
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()]
    .filter((group) => group.failed > 0)
    .sort(
      (a, b) => b.failed - a.failed || b.total - a.total || byName(a.pipeline, b.pipeline) || byName(a.name, b.name)
    )
    .slice(0, limit)
    .map(({ latestAt: _latestAt, ...step }) => step);
}

/** The rows of the top failing steps table, by column header. */
async function topStepRows(page: Page): Promise<Array<ExpectedStep & { rate: string; latestQuery?: string }>> {
  const table = page.getByTestId(`${testIds.overview.topFailingSteps}-table`);
  await table.waitFor();
  return table.evaluate((element) => {
    const headers = [...element.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
    return [...element.querySelectorAll('tbody tr')].map((row) => {
      const cells = [...row.querySelectorAll('td')];
      const cell = (header: string) => cells[headers.indexOf(header)];
      const text = (header: string) => cell(header)?.textContent?.trim() ?? '';
      const [failed, total] = text('Failed')
        .split(' of ')
        .map((part) => Number(part.replace(/,/g, '')));
      const latest = cell('Latest failure')?.querySelector('a');
      const href = latest?.getAttribute('href') ?? '';
      return {
        name: text('Step'),
        pipeline: text('Pipeline'),
        failed,
        total,
        latestError: latest?.textContent?.trim() ?? '',
        latestExecutionId: decodeURIComponent((href.split('/executions/')[1] ?? '').split('?')[0]),
        latestQuery: href.split('?')[1] ?? '',
        rate: text('Rate'),
      };
    });
  });
}

/**
 * The table's rows once they are what the test expects, or whatever they are
 * after `timeoutMillis` (so the assertion that follows shows the difference):
 * a filter change refreshes the stats and the table in separate requests.
 */
async function settledTopStepRows<T>(
  page: Page,
  view: (rows: Array<ExpectedStep & { rate: string; latestQuery?: string }>) => T,
  expected: T,
  timeoutMillis = 15_000
): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const shown = view(await topStepRows(page));
    if (JSON.stringify(shown) === JSON.stringify(expected) || Date.now() > deadline) {
      return shown;
    }
    await page.waitForTimeout(100);
  }
}

/** Waits until the panel has been given at least one frame, then returns its frames. */
/**
 * The element's box once it stays put between two reads 100 ms apart: a panel
 * may draw its chart again (a new element) as its queries answer, and a box
 * read in between is null or about to move.
 */
async function settledBox(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  let last: Awaited<ReturnType<Locator['boundingBox']>> = null;
  for (let attempt = 0; attempt < 100; attempt++) {
    const box = await locator.boundingBox();
    if (box && last && box.x === last.x && box.y === last.y && box.width === last.width && box.height === last.height) {
      return box;
    }
    last = box;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the element never stayed in one place for 100 ms');
}

async function waitForFrames(page: Page, testId: string): Promise<ProbedFrame[]> {
  await page.waitForFunction((selector) => {
    const text = document.querySelector(selector)?.textContent;
    return text !== undefined && text !== null && text !== '' && text !== '[]';
  }, `[data-testid="${testId}"] [data-testid="host-panel-data"]`);
  return (await panelFrames(page, testId)).frames;
}

/** The non-null p50/p95 of the duration panel's frame, by bucket start. */
function shownDurations(frame: ProbedFrame): Map<number, { p50: number; p95: number }> {
  const values = (name: string) => frame.fields.find((field) => field.name === name)!.values;
  const times = values('Time') as number[];
  const p50 = values('p50') as Array<number | null>;
  const p95 = values('p95') as Array<number | null>;
  const shown = new Map<number, { p50: number; p95: number }>();
  times.forEach((time, i) => {
    if (p50[i] !== null || p95[i] !== null) {
      shown.set(time, { p50: p50[i]!, p95: p95[i]! });
    }
  });
  return shown;
}

describe('Overview page', () => {
  const session = usePluginPage();

  async function statValue(id: string): Promise<string> {
    const tile = session.context.page.locator(
      `[data-testid="${testIds.overview.stat}"][data-stat="${id}"] [data-stat-value]`
    );
    return (await tile.textContent()) ?? '';
  }

  it('shows the seeded totals and the failure rate of each pipeline over buckets fit for its volume', async () => {
    const { page } = session.context;
    // The last hour: the collector buckets it by the minute, as the plugin asks.
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    await page.waitForFunction((selector) => {
      const text = document.querySelector(selector)?.textContent;
      return text !== undefined && text !== '–';
    }, `[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`);
    const executions = session.state.manifest.executions;
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
    // 21 executions in an hour: 1-minute rates would be 0% or 100% dots, so buckets are widened
    // (adaptive-buckets.ts) to one of the collector's steps that nests the minutes.
    const widths = new Set(
      frames.map((frame) => (frame.meta as { custom?: { intervalSeconds?: number } })?.custom?.intervalSeconds)
    );
    expect(widths.size).toBe(1);
    const width = [...widths][0]! * 1000;
    expect(width).toBeGreaterThan(MINUTE);
    expect(width % MINUTE).toBe(0);
    for (const frame of frames) {
      const times = frame.fields[0].values as number[];
      const rates = frame.fields[1].values as Array<number | null>;
      const counts = frame.fields[2].values as Array<number | null>;
      const expected = new Map<number, { executions: number; failed: number }>();
      for (const execution of executions.filter((e) => e.pipeline === frame.name)) {
        const bucket = Math.floor(execution.startMs / width) * width;
        const sum = expected.get(bucket) ?? { executions: 0, failed: 0 };
        sum.executions += 1;
        sum.failed += execution.failed ? 1 : 0;
        expected.set(bucket, sum);
      }
      const shown = new Map(times.map((time, i) => [time, rates[i]] as const).filter(([, rate]) => rate !== null));
      expect([...shown.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [bucket, sum] of expected) {
        expect(shown.get(bucket)).toBeCloseTo(sum.failed / sum.executions);
        // The rate's count rides along (tooltip), so 100% of 1 never reads like 100% of 50.
        expect(counts[times.indexOf(bucket)]).toBe(sum.executions);
      }
    }
    // Each pipeline's own p95 series: exactly the seeded durations' p95 per minute.
    const p95Frames = await waitForFrames(page, testIds.overview.p95ByPipelinePanel);
    expect(p95Frames.map((frame) => frame.name)).toEqual(pipelines);
    for (const frame of p95Frames) {
      const mine = expectedDurations(executions.filter((e) => e.pipeline === frame.name));
      const times = frame.fields[0].values as number[];
      const p95 = frame.fields[1].values as Array<number | null>;
      const shownP95 = new Map(times.map((time, i) => [time, p95[i]] as const).filter(([, value]) => value !== null));
      expect(new Map([...shownP95].sort(([a], [b]) => a - b))).toEqual(
        new Map([...mine].sort(([a], [b]) => a - b).map(([bucket, { p95: value }]) => [bucket, value]))
      );
    }

    // Executions per interval: completed + failed over all pipelines add up to the seeded count.
    const perInterval = (await panelFrames(page, testIds.overview.executionsPanel)).frames[0];
    const sum = (name: string) =>
      (perInterval.fields.find((field) => field.name === name)!.values as number[]).reduce((a, b) => a + b, 0);
    expect(sum('Completed') + sum('Failed')).toBe(executions.length);
    expect(sum('Failed')).toBe(failed.length);

    // p50 / p95 duration per minute: exactly the seeded durations' percentiles, nothing in empty minutes.
    const [durationFrame] = await waitForFrames(page, testIds.overview.durationPanel);
    const expectedPerMinute = expectedDurations(executions);
    expect(new Map([...shownDurations(durationFrame)].sort(([a], [b]) => a - b))).toEqual(
      new Map([...expectedPerMinute].sort(([a], [b]) => a - b))
    );
    // Minutes where two executions started show the higher one as p50 (quantileExact), e.g. 190 over 52.
    expect([...expectedPerMinute.values()].some(({ p50, p95 }) => p50 === p95)).toBe(true);
    const durations = executions.map((execution) => execution.durationMs);
    expect(await statValue('p50')).toBe(formatDurationMs(quantileExact(durations, 0.5)));
    expect(await statValue('p95')).toBe(formatDurationMs(quantileExact(durations, 0.95)));

    // The charts are drawn (uPlot canvases), not just handed data.
    expect(await page.getByTestId(testIds.overview.failureRatePanel).locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.getByTestId(testIds.overview.durationPanel).locator('canvas').count()).toBeGreaterThan(0);
  });

  it('lists the steps that fail most and filters by pipeline through the URL', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    // The last hour's whole hours hold the whole seed (and nothing else was sent to this collector).
    const rows = await topStepRows(page);
    const expected = expectedTopSteps(session.state.manifest.executions, {
      fromMillis: Date.now() - HOUR,
      toMillis: Date.now(),
    });
    expect(rows.map(({ rate: _rate, latestQuery: _query, ...row }) => row)).toEqual(expected);
    expect(expected.slice(0, 2).map((step) => [step.name, step.failed, step.total])).toEqual([
      ['velocity-check', 4, 8],
      ['credit-score', 3, 12],
    ]);
    expect(rows[0].rate).toBe('50.0%');
    expect(rows[1].rate).toBe('25.0%');
    // The link to the execution keeps the page's time range.
    expect(rows[0].latestQuery).toBe('from=now-1h&to=now');
    await page.waitForTimeout(300); // let the charts settle for the screenshot
    await screenshot(page, 'overview');

    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now&pipeline=fraud-check');
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent === '8',
      `[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`
    );
    expect(await statValue('failed')).toBe('4');
    expect(await statValue('failure-rate')).toBe('50.0%');
    const fraud = session.state.manifest.executions.filter((execution) => execution.pipeline === 'fraud-check');
    const fraudRows = await settledTopStepRows(
      page,
      (rows) => rows.map(({ name, pipeline, failed, total }) => ({ name, pipeline, failed, total })),
      [{ name: 'velocity-check', pipeline: 'fraud-check', failed: 4, total: 8 }]
    );
    expect(fraudRows).toEqual([{ name: 'velocity-check', pipeline: 'fraud-check', failed: 4, total: 8 }]);
    expect(
      expectedTopSteps(fraud, { fromMillis: Date.now() - HOUR, toMillis: Date.now() }).map((step) => step.name)
    ).toEqual(['velocity-check']);
  });

  it('offers the seeded environments and filters every panel by the one picked', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    const picker = page.getByTestId(testIds.controls.environment);
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.textContent === '21',
      `[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`
    );
    await picker.click();
    const options = page.getByRole('option');
    await options.first().waitFor();
    const seededEnvironments = [
      ...new Set(session.state.manifest.executions.map((execution) => execution.environment)),
    ];
    expect((await options.allTextContents()).map((text) => text.trim())).toEqual(seededEnvironments.sort());
    await options.filter({ hasText: 'staging' }).click();
    await page.waitForURL(/environment=staging/);

    const staging = session.state.manifest.executions.filter((execution) => execution.environment === 'staging');
    await page.waitForFunction(
      ([selector, count]) => document.querySelector(selector)?.textContent === count,
      [`[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`, String(staging.length)]
    );
    // Steps are filtered by environment on the server, counts and latest error alike. The table
    // refreshes after the totals (another request): wait for the rows themselves.
    const expectedRows = expectedTopSteps(staging, { fromMillis: Date.now() - HOUR, toMillis: Date.now() });
    const rows = await settledTopStepRows(
      page,
      (shown) => shown.map(({ rate: _rate, latestQuery: _query, ...row }) => row),
      expectedRows
    );
    expect(rows).toEqual(expectedRows);
    expect(rows.map((row) => row.name)).toEqual(['velocity-check']);
    expect(rows[0].latestError).toBe('7 transactions in 60s (limit 5)');
    // Durations too: only the staging executions' minutes.
    await page.waitForFunction(
      ([selector, count]) => {
        const frames = JSON.parse(document.querySelector(selector)?.textContent || '[]');
        const p50 = frames[0]?.fields.find((field: { name: string }) => field.name === 'p50');
        return p50 !== undefined && p50.values.filter((value: unknown) => value !== null).length === count;
      },
      [
        `[data-testid="${testIds.overview.durationPanel}"] [data-testid="host-panel-data"]`,
        expectedDurations(staging).size,
      ] as const
    );
    const [durationFrame] = (await panelFrames(page, testIds.overview.durationPanel)).frames;
    expect(shownDurations(durationFrame)).toEqual(expectedDurations(staging));
  });

  it('counts failing steps over whole hours, as the collector’s hourly rollup does', async () => {
    const { page } = session.context;
    // An absolute range of 15 minutes: the failures counted are those of the whole hours it touches,
    // so they may include seeded failures from before `from` (the summary above them does not).
    const toMillis = session.state.manifest.seededAtMillis + MINUTE;
    const fromMillis = toMillis - 15 * MINUTE;
    await gotoPlugin(session.context, `/a/xray-decisions-app/overview?from=${fromMillis}&to=${toMillis}`);
    const expected = expectedTopSteps(session.state.manifest.executions, { fromMillis, toMillis });
    const inRange = session.state.manifest.executions.filter((e) => e.startMs >= fromMillis && e.startMs < toMillis);
    await page.waitForFunction(
      ([selector, count]) => document.querySelector(selector)?.textContent === count,
      [`[data-testid="${testIds.overview.stat}"][data-stat="executions"] [data-stat-value]`, String(inRange.length)]
    );
    const rows = await topStepRows(page);
    expect(rows.map(({ rate: _rate, latestQuery: _query, ...row }) => row)).toEqual(expected);
  });

  it('keeps the time range and refresh interval in the URL', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-6h&to=now&refresh=1m');
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

  it('links every series to the executions behind it, keeping time range, refresh, time zone and filters', async () => {
    const { page } = session.context;
    const context = 'from=now-1h&to=now&refresh=1m&timezone=utc';
    await gotoPlugin(session.context, `/a/xray-decisions-app/overview?${context}&environment=prod`);
    const frames = await waitForFrames(page, testIds.overview.failureRatePanel);
    const pipelines = [
      ...new Set(session.state.manifest.executions.filter((e) => e.environment === 'prod').map((e) => e.pipeline)),
    ];
    const linkOf = (frame: ProbedFrame) => frame.fields.find((field) => field.type === 'number')!.links;
    expect(Object.fromEntries(frames.map((frame) => [frame.name, linkOf(frame)]))).toEqual(
      Object.fromEntries(
        pipelines.sort().map((pipeline) => [
          pipeline,
          [
            {
              title: `Failed executions of ${pipeline}`,
              url: `/a/xray-decisions-app/executions?${context}&pipeline=${encodeURIComponent(pipeline)}&environment=prod&status=failed`,
            },
          ],
        ])
      )
    );
    // Counts are whole numbers on the axis.
    const counts = (await panelFrames(page, testIds.overview.executionsPanel)).frames[0];
    expect(
      counts.fields
        .filter((field) => field.type === 'number')
        .map((field) => [field.name, field.decimals, field.links?.[0].url])
    ).toEqual([
      ['Completed', 0, `/a/xray-decisions-app/executions?${context}&environment=prod&status=completed`],
      ['Failed', 0, `/a/xray-decisions-app/executions?${context}&environment=prod&status=failed`],
    ]);

    // Following a link (Grafana navigates within the app): exactly those executions, context kept.
    const pipeline = pipelines[0];
    await page.evaluate(
      (url) => {
        const anchor = document.createElement('a');
        anchor.href = url;
        anchor.textContent = 'data link';
        document.body.appendChild(anchor);
        anchor.click();
      },
      linkOf(frames.find((frame) => frame.name === pipeline)!)![0].url
    );
    await page.waitForURL(/\/executions\?/);
    const expectedIds = session.state.manifest.executions
      .filter((e) => e.pipeline === pipeline && e.environment === 'prod' && e.failed)
      .map((e) => e.executionId)
      .sort();
    await page.waitForFunction(([selector, count]) => document.querySelectorAll(selector).length === count, [
      `[data-testid="${testIds.executions.link}"]`,
      expectedIds.length,
    ] as const);
    const shownIds = await page
      .getByTestId(testIds.executions.link)
      .evaluateAll((links) => links.map((link) => link.getAttribute('data-execution-id') ?? ''));
    expect(shownIds.sort()).toEqual(expectedIds);

    // And on to one execution: the time context travels along.
    await page.getByTestId(testIds.executions.link).first().click();
    await page.waitForURL(/\/executions\/[^?]+\?/);
    const executionQuery = new URL(page.url()).searchParams;
    expect(['from', 'to', 'refresh', 'timezone'].map((key) => executionQuery.get(key))).toEqual([
      'now-1h',
      'now',
      '1m',
      'utc',
    ]);
  });

  it('zooms to the range dragged across a chart, keeping the filters', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now&pipeline=fraud-check');
    await waitForFrames(page, testIds.overview.failureRatePanel);
    const plot = page.getByTestId(testIds.overview.failureRatePanel).locator('.u-over');
    await plot.waitFor();
    const box = await settledBox(plot);
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.75, y, { steps: 8 });
    await page.mouse.up();
    await page.waitForURL(/from=\d{13}/);
    const query = new URL(page.url()).searchParams;
    const from = Number(query.get('from'));
    const to = Number(query.get('to'));
    // About the middle half of the last hour.
    expect(to - from).toBeGreaterThan(20 * MINUTE);
    expect(to - from).toBeLessThan(40 * MINUTE);
    expect(query.get('pipeline')).toBe('fraud-check');
    await expect(page.getByTestId(testIds.controls.timeControls).textContent()).resolves.not.toContain('Last 1 hour');
  });
});
