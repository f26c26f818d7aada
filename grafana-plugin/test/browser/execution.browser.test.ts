/**
 * The Execution page in a real browser, on executions seeded through OTLP:
 * the failed step is marked on the timeline, clicking a step shows its
 * reasoning, the trace tab hands Grafana's trace panel a trace frame, and a
 * 10,000-step execution renders and scrolls.
 */
import { testIds } from '../../src/components/testIds';
import { gotoPlugin, recordTiming, hexToRgb, panelFrames, screenshot, usePluginPage } from './support/browser';

describe('Execution page', () => {
  const session = usePluginPage();

  const failedLoan = () => session.state.manifest.executions.find((e) => e.pipeline === 'loan-approval' && e.failed)!;

  it('marks the failing step on the timeline and explains it', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}`);
    const rows = page.getByTestId(testIds.timeline.row);
    await rows.first().waitFor();
    expect(await rows.count()).toBe(execution.steps.length);

    // Tree order with nesting: bureau-lookup is indented under credit-score.
    const names = await rows.evaluateAll((elements) =>
      elements.map((el) => [el.textContent?.trim(), el.getAttribute('data-depth')])
    );
    expect(names.map(([, depth]) => depth)).toEqual(['0', '0', '1', '0']);

    const failedRows = page.locator(`[data-testid="${testIds.timeline.row}"][data-failed="true"]`);
    expect(await failedRows.count()).toBe(1);
    await expect(failedRows.first().textContent()).resolves.toContain('credit-score');
    const colors = (await page.evaluate(() => window.__hostThemeColors))!;
    const barColour = await failedRows
      .first()
      .getByTestId(testIds.timeline.bar)
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(barColour).toBe(hexToRgb(colors.error));
    const okBar = page
      .locator(`[data-testid="${testIds.timeline.row}"][data-failed="false"]`)
      .first()
      .getByTestId(testIds.timeline.bar);
    expect(await okBar.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(hexToRgb(colors.success));

    // The banner names the failed step; the failed step is selected at first.
    const banner = page.getByTestId(testIds.execution.failureBanner);
    await expect(banner.textContent()).resolves.toContain('credit-score');
    const details = page.getByTestId(testIds.stepDetails.container);
    await expect(details.getByTestId(testIds.stepDetails.reasoning).textContent()).resolves.toContain(
      'below the 600 threshold'
    );
    await expect(details.getByTestId(testIds.stepDetails.error).textContent()).resolves.toContain('ThresholdError');
    await screenshot(page, 'execution-timeline');
  });

  it('uses the theme it is given: the light theme colours the failed step with its own error colour', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}?hostTheme=light`);
    const failedRow = page.locator(`[data-testid="${testIds.timeline.row}"][data-failed="true"]`);
    await failedRow.waitFor();
    const colors = (await page.evaluate(() => window.__hostThemeColors))!;
    const barColour = await failedRow
      .getByTestId(testIds.timeline.bar)
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(barColour).toBe(hexToRgb(colors.error));
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe('rgb(17, 18, 23)'); // not the dark canvas
    await screenshot(page, 'execution-timeline-light');
  });

  it('shows a step’s reasoning, input and output when it is clicked', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}`);
    const fetchStep = execution.steps.find((step) => step.name === 'fetch-applicant')!;
    await page.locator(`[data-testid="${testIds.timeline.row}"][data-span-id="${fetchStep.spanId}"]`).click();
    const details = page.locator(
      `[data-testid="${testIds.stepDetails.container}"][data-span-id="${fetchStep.spanId}"]`
    );
    await details.waitFor();
    // Reasoning is rendered Markdown (a paragraph).
    await expect(details.getByTestId(testIds.stepDetails.reasoning).locator('p').textContent()).resolves.toBe(
      fetchStep.reasoning
    );
    // Input is a JSON tree; the long output, shown as text, starts collapsed and expands.
    await expect(
      details.getByTestId(testIds.stepDetails.input).getByTestId('xray-json-tree').textContent()
    ).resolves.toContain('applicantId: "A-');
    const output = details.getByTestId(testIds.stepDetails.output);
    await output.getByRole('button', { name: 'Text' }).click();
    await expect(output.locator('[data-collapsed]').getAttribute('data-collapsed')).resolves.toBe('true');
    await output.getByTestId(testIds.stepDetails.expand).click();
    await expect(output.locator('[data-collapsed]').getAttribute('data-collapsed')).resolves.toBe('false');
    await expect(output.locator('pre').textContent()).resolves.toContain('"purpose": "car"');
    // The selection is in the URL, so the view can be shared.
    expect(new URL(page.url()).searchParams.get('span')).toBe(fetchStep.spanId);
    await screenshot(page, 'execution-step-details');
  });

  it('hands Grafana’s trace panel a trace frame of the execution', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}?tab=trace`);
    await page.getByTestId(testIds.trace.container).getByTestId('host-panel').waitFor();
    const { pluginId, frames } = await panelFrames(page, testIds.trace.container);
    expect(pluginId).toBe('traces');
    expect(frames).toHaveLength(1);
    const [frame] = frames;
    expect(frame.meta?.preferredVisualisationType).toBe('trace');
    const column = (name: string) => frame.fields.find((field) => field.name === name)!.values;
    expect(column('spanID')).toEqual([execution.rootSpanId, ...execution.steps.map((step) => step.spanId)]);
    expect(column('parentSpanID')).toEqual([null, ...execution.steps.map((step) => step.parentSpanId)]);
    expect(column('traceID')).toEqual(Array(execution.steps.length + 1).fill(execution.traceId));
    const failedIndex = column('operationName').indexOf('credit-score');
    expect(column('statusCode')[failedIndex]).toBe(2);
    await screenshot(page, 'execution-trace-tab');
  });

  it('renders a 10,000-step execution, virtualized, and scrolls to any step', async () => {
    const { page } = session.context;
    const started = Date.now();
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${session.state.manifest.bigExecutionId}`);
    const timeline = page.getByTestId(testIds.timeline.container);
    await timeline.waitFor({ timeout: 30_000 });
    const loadMillis = Date.now() - started;
    await expect(timeline.getAttribute('data-row-count')).resolves.toBe('10000');
    // Only the rows on screen (plus overscan) are in the DOM.
    const domRows = await page.getByTestId(testIds.timeline.row).count();
    expect(domRows).toBeGreaterThan(10);
    expect(domRows).toBeLessThan(120);

    // The root cause deep inside is selected and one click brings it into view.
    const details = page.getByTestId(testIds.stepDetails.container);
    await expect(details.locator('h4').textContent()).resolves.toBe(session.state.manifest.bigFailedStepName);
    await page.getByTestId(testIds.execution.jumpToFailed).click();
    const failedRow = page.locator(`[data-testid="${testIds.timeline.row}"][data-failed="true"][data-depth="1"]`);
    await failedRow.waitFor();
    await expect(failedRow.textContent()).resolves.toContain(session.state.manifest.bigFailedStepName);
    await screenshot(page, 'execution-10k-steps');

    // Scrolling from top to bottom in steps: each position renders the rows it shows.
    const scroll = page.getByTestId(testIds.timeline.scroll);
    const timings = await scroll.evaluate(async (element) => {
      const results: number[] = [];
      const frame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      for (let i = 0; i <= 20; i++) {
        const t0 = performance.now();
        element.scrollTop = ((element.scrollHeight - element.clientHeight) * i) / 20;
        element.dispatchEvent(new Event('scroll'));
        await frame();
        results.push(performance.now() - t0);
      }
      return results;
    });
    const lastRow = page.getByTestId(testIds.timeline.row).last();
    await expect(lastRow.textContent()).resolves.toContain('score-item-99-98');
    // Speed is measured, not asserted (the machine is shared): the figures go to test-artifacts/timings.json.
    recordTiming('10k-steps: first rows (ms)', loadMillis);
    recordTiming('10k-steps: slowest scroll jump (ms)', Math.max(...timings));
  });

  it('moves one roving focus with the arrow keys', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}`);
    const rows = page.getByTestId(testIds.timeline.row);
    await rows.first().click();
    const order = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-span-id')));
    for (let i = 1; i <= 3; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForFunction((spanId) => document.activeElement?.getAttribute('data-span-id') === spanId, order[i]);
      expect(new URL(page.url()).searchParams.get('span')).toBe(order[i]);
    }
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction((spanId) => document.activeElement?.getAttribute('data-span-id') === spanId, order[2]);
    // One tab stop among the rows: the focused, selected one.
    const tabStops = await rows.evaluateAll((elements) => elements.filter((element) => element.tabIndex === 0).length);
    expect(tabStops).toBe(1);
  });
});
