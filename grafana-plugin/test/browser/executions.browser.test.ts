/**
 * The Executions page in a real browser against a live collector: it lists
 * the seeded executions, its filters (status, reasoning search, pipeline)
 * narrow the list the way the seed says they must, and a row opens the
 * execution.
 */
import { testIds } from '../../src/components/testIds';
import { gotoPlugin, screenshot, usePluginPage } from './support/browser';

describe('Executions page', () => {
  const session = usePluginPage();

  async function listedIds(): Promise<string[]> {
    const links = session.context.page.getByTestId(testIds.executions.link);
    return links.evaluateAll((elements) => elements.map((el) => el.getAttribute('data-execution-id') ?? ''));
  }

  async function waitForCount(count: number) {
    await session.context.page.waitForFunction(
      ([selector, expected]) => document.querySelectorAll(selector as string).length === expected,
      [`[data-testid="${testIds.executions.link}"]`, count] as const
    );
  }

  it('lists every seeded execution, newest first', async () => {
    await gotoPlugin(session.context, '/a/xray-decisions-app/executions?from=now-1h&to=now');
    const seeded = [...session.state.manifest.executions].sort((a, b) => b.startMs - a.startMs);
    await waitForCount(seeded.length);
    expect(await listedIds()).toEqual(seeded.map((execution) => execution.executionId));
    const failedRows = session.context.page.locator(`[data-testid="${testIds.executions.row}"][data-status="failed"]`);
    expect(await failedRows.count()).toBe(seeded.filter((execution) => execution.failed).length);
    await screenshot(session.context.page, 'executions');
  });

  it('filters by status, by words in step reasoning and by pipeline', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/executions?from=now-1h&to=now');
    const failed = session.state.manifest.executions.filter((execution) => execution.failed);
    await page.getByTestId(testIds.controls.status).getByRole('radio', { name: 'Failed' }).check();
    await waitForCount(failed.length);
    expect((await listedIds()).sort()).toEqual(failed.map((execution) => execution.executionId).sort());
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed');

    // Reasoning search: only loan executions whose credit score failed say "below the 600 threshold".
    await page.getByTestId(testIds.controls.search).fill('below threshold');
    await page.getByTestId(testIds.controls.search).press('Enter');
    const belowThreshold = failed.filter((execution) =>
      execution.steps.some((step) => /below/.test(step.reasoning) && /threshold/.test(step.reasoning))
    );
    expect(belowThreshold.length).toBe(3);
    await waitForCount(belowThreshold.length);
    expect((await listedIds()).sort()).toEqual(belowThreshold.map((execution) => execution.executionId).sort());
    await screenshot(page, 'executions-filtered');

    // Pipeline filter from the URL (as the Overview's links set it), without the other filters.
    await gotoPlugin(session.context, '/a/xray-decisions-app/executions?from=now-1h&to=now&pipeline=fraud-check');
    const fraud = session.state.manifest.executions.filter((execution) => execution.pipeline === 'fraud-check');
    await waitForCount(fraud.length);
    expect((await listedIds()).sort()).toEqual(fraud.map((execution) => execution.executionId).sort());
  });

  it('opens the execution page from a row', async () => {
    const { page } = session.context;
    await gotoPlugin(
      session.context,
      '/a/xray-decisions-app/executions?from=now-1h&to=now&status=failed&pipeline=loan-approval'
    );
    const link = page.getByTestId(testIds.executions.link).first();
    await link.waitFor();
    const executionId = await link.getAttribute('data-execution-id');
    await link.click();
    await page.waitForURL(new RegExp(`/executions/${executionId}`));
    await page.getByTestId(testIds.timeline.container).waitFor();
    await expect(page.getByTestId(testIds.execution.failureBanner).textContent()).resolves.toContain('credit-score');
  });
});
