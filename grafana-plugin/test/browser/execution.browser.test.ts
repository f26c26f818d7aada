/**
 * The Execution page in a real browser, on executions seeded through OTLP:
 * the failed step is marked on the timeline, clicking a step shows its
 * reasoning, the trace tab hands Grafana's trace panel a trace frame, and a
 * 50,000-step execution opens from its outline (payloads on demand), with
 * search (names in the outline, reasoning, inputs and outputs in the
 * collector), a deep link, zoom and keyboard navigation.
 */
import type { Page } from 'playwright-core';
import { testIds } from '../../src/components/testIds';
import { gotoPlugin, recordTiming, hexToRgb, panelFrames, screenshot, usePluginPage } from './support/browser';
import { BIG_GROUPS, BIG_ITEMS_PER_GROUP, BIG_STEP_COUNT } from './support/seed';

/** Waits until the timeline holds every step of the big execution (the whole outline has arrived). */
const wholeOutline = (page: Page) =>
  page
    .locator(`[data-testid="${testIds.timeline.container}"][data-row-count="${BIG_STEP_COUNT}"]`)
    .waitFor({ timeout: 90_000 });

/** The search's match count once the collector's search of payloads has answered (or was not needed). */
async function settledCount(page: Page): Promise<string | null> {
  const count = page.getByTestId(testIds.timeline.searchCount);
  await page
    .locator(`[data-testid="${testIds.timeline.searchCount}"]:not([data-payload-search="loading"])`)
    .waitFor({ timeout: 60_000 });
  return count.textContent();
}

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

  it('opens a 50,000-step execution from its outline: rows, previews, the root cause', async () => {
    const { page } = session.context;
    const { manifest } = session.state;
    const started = Date.now();
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${manifest.bigExecutionId}`);
    const rows = page.getByTestId(testIds.timeline.row);
    await rows.first().waitFor({ timeout: 60_000 });
    const firstRowsMillis = Date.now() - started;
    // The first 200 steps are on screen while the whole outline loads; then all 50,000 are laid out.
    await wholeOutline(page);
    const wholeOutlineMillis = Date.now() - started;
    // Only the rows on screen (plus overscan) are in the DOM.
    const domRows = await rows.count();
    expect(domRows).toBeGreaterThan(10);
    expect(domRows).toBeLessThan(120);
    // Payloads were not part of the page load: the rows' previews come a page at a time.
    const firstPreview = rows.first().getByTestId(testIds.timeline.preview);
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-loaded') === 'true',
      testIds.timeline.preview
    );
    const big = manifest.executions.find((execution) => execution.executionId === manifest.bigExecutionId)!;
    await expect(rows.nth(1).getByTestId(testIds.timeline.preview).textContent()).resolves.toContain(
      `"itemId":"item-0-0"`
    );
    expect(await firstPreview.getAttribute('data-loaded')).toBe('true');
    const collectorPaths = session.context.host.proxied.map((request) => request.path.split('?')[0]);
    expect(collectorPaths).toContain(`/api/v1/executions/${manifest.bigExecutionId}/outline`);
    expect(collectorPaths).not.toContain(`/api/v1/executions/${manifest.bigExecutionId}`);

    // The root cause deep inside is selected, its payloads fetched alone; one click brings it into view.
    const details = page.getByTestId(testIds.stepDetails.container);
    await expect(details.locator('h4').textContent()).resolves.toBe(manifest.bigFailedStepName);
    await page.locator(`[data-testid="${testIds.stepDetails.container}"][data-loaded="true"]`).waitFor();
    await expect(details.getByTestId(testIds.stepDetails.reasoning).textContent()).resolves.toContain('no price');
    await page.getByTestId(testIds.execution.jumpToFailed).click();
    const failedRow = page.locator(`[data-testid="${testIds.timeline.row}"][data-failed="true"][data-depth="1"]`);
    await failedRow.waitFor();
    await expect(failedRow.textContent()).resolves.toContain(manifest.bigFailedStepName);
    // The rows shown after the jump get their previews too (the page holding them, asked once scrolling stopped).
    await failedRow.locator(`[data-testid="${testIds.timeline.preview}"][data-loaded="true"]`).waitFor();
    await screenshot(page, 'execution-50k-steps');

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
    await expect(rows.last().textContent()).resolves.toContain(big.steps[big.steps.length - 1].name);
    // Speed is measured, not asserted (the machine is shared): figures go to test-artifacts/timings.json;
    // bench/ (plugin-timeline) measures first rows against the old whole-execution load.
    recordTiming('50k-steps: first rows (ms)', firstRowsMillis);
    recordTiming('50k-steps: all steps laid out (ms)', wholeOutlineMillis);
    recordTiming('50k-steps: slowest scroll jump (ms)', Math.max(...timings));
  });

  it('finds step #49,999 of 50,000, highlights it and moves between matches', async () => {
    const { page } = session.context;
    const { manifest } = session.state;
    const big = manifest.executions.find((execution) => execution.executionId === manifest.bigExecutionId)!;
    const last = big.steps[big.steps.length - 1];
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${manifest.bigExecutionId}`);
    const search = page.getByTestId(testIds.timeline.search);
    await wholeOutline(page);
    await search.fill('#49,999');
    await expect(settledCount(page)).resolves.toBe('– of 1');
    await search.press('Enter');
    const found = page.locator(`[data-testid="${testIds.timeline.row}"][data-current-match="true"]`);
    await found.waitFor();
    await expect(found.getAttribute('data-span-id')).resolves.toBe(last.spanId);
    await expect(found.getAttribute('data-sequence')).resolves.toBe('49999');
    await page.locator(`[data-testid="${testIds.stepDetails.container}"][data-span-id="${last.spanId}"]`).waitFor();
    expect(new URL(page.url()).searchParams.get('span')).toBe(last.spanId);

    // A name search across collapsed batches: every match counted, each highlighted when shown.
    await page.getByTestId(testIds.timeline.collapseAll).click();
    await expect(page.getByTestId(testIds.timeline.container).getAttribute('data-visible-row-count')).resolves.toBe(
      String(BIG_GROUPS)
    );
    await search.fill('score-item-12-');
    await expect(settledCount(page)).resolves.toBe('– of 99');
    await search.press('Enter');
    await search.press('Enter');
    await search.press('Shift+Enter');
    const current = page.locator(`[data-testid="${testIds.timeline.row}"][data-current-match="true"]`);
    await expect(current.textContent()).resolves.toContain('score-item-12-0');
    await expect(current.locator('mark').first().textContent()).resolves.toBe('score-item-12-');
    await expect(page.getByTestId(testIds.timeline.searchCount).textContent()).resolves.toBe('1 of 99');
    // Opening the match expanded its batch only.
    await expect(page.getByTestId(testIds.timeline.container).getAttribute('data-visible-row-count')).resolves.toBe(
      String(BIG_GROUPS + BIG_ITEMS_PER_GROUP)
    );
    await screenshot(page, 'execution-search');
  });

  it('finds words of reasoning, inputs and outputs the page never loaded, in the collector, with their snippets', async () => {
    const { page } = session.context;
    const { manifest } = session.state;
    const big = manifest.executions.find((execution) => execution.executionId === manifest.bigExecutionId)!;
    const target = big.steps.find((step) => step.name === 'score-item-250-7')!;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${manifest.bigExecutionId}`);
    await wholeOutline(page);
    const search = page.getByTestId(testIds.timeline.search);
    // Only in payloads and reasoning ("itemId":"item-250-7", "Item 250-7 scored …"), never in a name.
    await search.fill('"item 250 7"');
    await expect(settledCount(page)).resolves.toBe('– of 1');
    await search.press('Enter');
    const current = page.locator(`[data-testid="${testIds.timeline.row}"][data-current-match="true"]`);
    await current.waitFor();
    await expect(current.getAttribute('data-span-id')).resolves.toBe(target.spanId);
    await expect(current.getAttribute('data-payload-match')).resolves.toBe('true');
    const snippet = current.getByTestId(testIds.timeline.snippet);
    await expect(snippet.getAttribute('data-field')).resolves.toBe('reasoning');
    await expect(snippet.locator('mark').first().textContent()).resolves.toBe('Item 250-7');
    await page.locator(`[data-testid="${testIds.stepDetails.container}"][data-span-id="${target.spanId}"]`).waitFor();
    await screenshot(page, 'execution-payload-search');

    // A word in 49,499 reasonings: every match counted and walked, beyond the steps whose previews loaded.
    await search.fill('scored');
    await expect(settledCount(page)).resolves.toBe(
      `– of ${(BIG_GROUPS * BIG_ITEMS_PER_GROUP - 1).toLocaleString('en-US')}`
    );
    await search.press('Shift+Enter');
    const lastStep = big.steps[big.steps.length - 1];
    await page
      .locator(`[data-testid="${testIds.timeline.row}"][data-current-match="true"][data-span-id="${lastStep.spanId}"]`)
      .waitFor();
    await expect(page.getByTestId(testIds.timeline.searchCount).textContent()).resolves.toBe(
      `${(BIG_GROUPS * BIG_ITEMS_PER_GROUP - 1).toLocaleString('en-US')} of ${(BIG_GROUPS * BIG_ITEMS_PER_GROUP - 1).toLocaleString('en-US')}`
    );
  });

  it('scrolls a deep link to its step, the last of 50,000', async () => {
    const { page } = session.context;
    const { manifest } = session.state;
    const big = manifest.executions.find((execution) => execution.executionId === manifest.bigExecutionId)!;
    const last = big.steps[big.steps.length - 1];
    await gotoPlugin(
      session.context,
      `/a/xray-decisions-app/executions/${manifest.bigExecutionId}?span=${last.spanId}`
    );
    const row = page.locator(`[data-testid="${testIds.timeline.row}"][data-span-id="${last.spanId}"]`);
    await row.waitFor({ timeout: 60_000 });
    await expect(row.getAttribute('data-selected')).resolves.toBe('true');
    // In view: inside the scrolling area's box.
    const [rowBox, scrollBox] = await Promise.all([
      row.boundingBox(),
      page.getByTestId(testIds.timeline.scroll).boundingBox(),
    ]);
    expect(rowBox!.y).toBeGreaterThanOrEqual(scrollBox!.y - 1);
    expect(rowBox!.y + rowBox!.height).toBeLessThanOrEqual(scrollBox!.y + scrollBox!.height + 1);
    await page.locator(`[data-testid="${testIds.stepDetails.container}"][data-loaded="true"]`).waitFor();
    await expect(page.getByTestId(testIds.stepDetails.input).textContent()).resolves.toContain('item-499-98');
  });

  it('zooms the time axis from the minimap and back', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${session.state.manifest.bigExecutionId}`);
    const minimap = page.getByTestId(testIds.timeline.minimap);
    await minimap.waitFor({ timeout: 60_000 });
    // The time axis is the whole execution's: drag once every step is laid out, not while the outline grows.
    await wholeOutline(page);
    const box = (await minimap.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const timeline = page.getByTestId(testIds.timeline.container);
    // The view attribute follows the drag on the next render.
    await page.waitForFunction(
      (id) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-view') !== '0,1',
      testIds.timeline.container,
      { timeout: 10_000 }
    );
    const [start, end] = (await timeline.getAttribute('data-view'))!.split(',').map(Number);
    expect(start).toBeGreaterThan(0.05);
    expect(end).toBeLessThan(0.25);
    // The first rows start at 0: outside the zoomed window, their bars are not drawn.
    await expect(
      page.getByTestId(testIds.timeline.row).first().getByTestId(testIds.timeline.bar).count()
    ).resolves.toBe(0);
    await page.getByTestId(testIds.timeline.zoomReset).click();
    await expect(timeline.getAttribute('data-view')).resolves.toBe('0,1');
  });

  it('moves one roving focus with the keyboard: arrows, Home, End, ← to the parent; Enter selects', async () => {
    const execution = failedLoan();
    const { page } = session.context;
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${execution.executionId}`);
    const rows = page.getByTestId(testIds.timeline.row);
    await rows.first().click();
    const order = await rows.evaluateAll((elements) => elements.map((element) => element.getAttribute('data-span-id')));
    const focused = (spanId: string | null) =>
      page.waitForFunction((id) => document.activeElement?.getAttribute('data-span-id') === id, spanId);
    for (let i = 1; i <= 3; i++) {
      await page.keyboard.press('ArrowDown');
      await focused(order[i]);
    }
    await page.keyboard.press('ArrowUp');
    await focused(order[2]);
    // bureau-lookup (depth 1): ← goes to its parent, credit-score.
    await page.keyboard.press('ArrowLeft');
    await focused(order[1]);
    await page.keyboard.press('End');
    await focused(order[order.length - 1]);
    await page.keyboard.press('Home');
    await focused(order[0]);
    await page.keyboard.press('ArrowDown');
    // The focus moves on the next frame: Enter goes to the row that has it (under load a frame can come late).
    await focused(order[1]);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('span') === id, order[1]);
    // One tab stop among the rows: the focused one.
    const tabStops = await rows.evaluateAll((elements) =>
      elements.filter((element) => element.tabIndex === 0).map((element) => element.getAttribute('data-span-id'))
    );
    expect(tabStops).toEqual([order[1]]);
  });
});
