/**
 * The Executions page's ways to find and take out decisions, in a real
 * browser against the live collector, with executions sent by the real SDK
 * into an app of this file's own: the business-key filter (kept in the URL),
 * live mode (an execution sent while the page is open appears without a
 * reload), downloads through the export route (the file's contents), and
 * picking two rows to compare them side by side.
 */
import fs from 'fs';
import { randomBytes } from 'crypto';
import type { Page } from 'playwright-core';
import { testIds } from '../../src/components/testIds';
import { exportChoiceTestId } from '../../src/components/export/export-choices';
import { gotoPlugin, panelFrames, screenshot, usePluginPage } from './support/browser';
import { sendWithSdk, type SdkExecution } from './support/sdk';
import { createTestApp, type TestApp } from './support/test-app';

const PAGE = '/a/xray-decisions-app/executions';

function loanExecution(
  executionId: string,
  applicantId: string,
  options: { score?: number; userId?: string } = {}
): SdkExecution {
  const score = options.score ?? 712;
  return {
    executionId,
    pipeline: 'loan-approval',
    environment: 'prod',
    metadata: { applicantId, ...(options.userId ? { 'user.id': options.userId } : {}) },
    steps: [
      {
        name: 'fetch-applicant',
        input: { applicantId },
        output: { applicantId, income: 4200 },
        reasoning: 'Found in the CRM.',
        durationMs: 10,
      },
      {
        name: 'credit-score',
        input: { applicantId },
        output: { score, band: score >= 600 ? 'B' : 'D' },
        reasoning: `Bureau score ${score} against the 600 threshold.`,
        durationMs: 10,
      },
      {
        name: 'decide',
        output: { decision: score >= 600 ? 'approve' : 'reject' },
        reasoning: 'Decided on the score.',
        durationMs: 10,
      },
    ],
  };
}

describe('Executions page: business keys, live mode, downloads, compare', () => {
  let app: TestApp;
  const session = usePluginPage(() => app.settings);
  const id = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;
  const ids = {
    a1042: id('exec-a1042'),
    a1042b: id('exec-a1042b'),
    a2000: id('exec-a2000'),
  };

  beforeAll(async () => {
    const { readState } = await import('./support/browser');
    app = await createTestApp(readState(), 'plugin-features');
    await sendWithSdk(readState().collectorUrl, app.apiKey, {
      executions: [
        loanExecution(ids.a1042, 'A-1042', { score: 712, userId: 'u-7' }),
        loanExecution(ids.a2000, 'A-2000', { score: 650 }),
      ],
    });
    // Sent by a later process, so it starts strictly later: the compare test
    // expects it as B (the SDK stamps an execution's start in whole
    // milliseconds, and executions of one millisecond have no order).
    await sendWithSdk(readState().collectorUrl, app.apiKey, {
      executions: [loanExecution(ids.a1042b, 'A-1042', { score: 512, userId: 'u-8' })],
      // A person's judgement of each decision: the first one was wrong.
      scores: [
        { executionId: ids.a1042, name: 'correct', value: false },
        { executionId: ids.a2000, name: 'correct', value: true },
        { executionId: ids.a1042b, name: 'correct', value: true },
      ],
    });
  });

  async function listedIds(page: Page): Promise<string[]> {
    return page
      .getByTestId(testIds.executions.link)
      .evaluateAll((elements) => elements.map((el) => el.getAttribute('data-execution-id') ?? ''));
  }

  async function waitForIds(page: Page, expected: string[]) {
    await page.waitForFunction(
      ([selector, wanted]) => {
        const shown = [...document.querySelectorAll(selector as string)].map((el) =>
          el.getAttribute('data-execution-id')
        );
        return JSON.stringify([...shown].sort()) === JSON.stringify([...(wanted as string[])].sort());
      },
      [`[data-testid="${testIds.executions.link}"]`, expected] as const
    );
  }

  it('filters by business keys typed as key=value, several at once, kept in the URL', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now`);
    await waitForIds(page, [ids.a1042, ids.a1042b, ids.a2000]);

    const input = page.getByTestId(testIds.businessKeys.input);
    await input.fill('A-1042');
    await input.press('Enter');
    await expect(page.getByTestId(testIds.businessKeys.error).textContent()).resolves.toContain('key=value');

    await input.fill('applicantId=A-1042');
    await input.press('Enter');
    await waitForIds(page, [ids.a1042, ids.a1042b]);
    expect(new URL(page.url()).searchParams.getAll('where')).toEqual(['applicantId=A-1042']);

    await input.fill('user.id = u-8');
    await input.press('Enter');
    await waitForIds(page, [ids.a1042b]);
    expect(new URL(page.url()).searchParams.getAll('where')).toEqual(['applicantId=A-1042', 'user.id=u-8']);
    await screenshot(page, 'executions-business-keys');

    // The URL alone restores the filter (a shared link); removing a pill widens the list again.
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now&where=${encodeURIComponent('applicantId=A-2000')}`);
    await waitForIds(page, [ids.a2000]);
    const pills = page.getByTestId(testIds.businessKeys.pill);
    expect(await pills.evaluateAll((els) => els.map((el) => el.getAttribute('data-key')))).toEqual([
      'applicantId=A-2000',
    ]);
    await pills.first().getByRole('button').click();
    await waitForIds(page, [ids.a1042, ids.a1042b, ids.a2000]);
    expect(new URL(page.url()).searchParams.has('where')).toBe(false);
    // Every request carried the filter to the collector as repeated `where` parameters.
    expect(
      session.context.host.proxied.some(
        (request) =>
          request.path.startsWith('/api/v1/executions?') && request.path.includes('where=applicantId%3DA-2000')
      )
    ).toBe(true);
  });

  it('follows the live stream: an execution sent while the page is open appears on top, one of another pipeline does not', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now&pipeline=loan-approval&live=true`);
    await page.locator(`[data-testid="${testIds.live.state}"][data-state="live"]`).waitFor();
    await waitForIds(page, [ids.a1042, ids.a1042b, ids.a2000]);

    const arriving = id('exec-live');
    const elsewhere = id('exec-other');
    await sendWithSdk(session.state.collectorUrl, app.apiKey, {
      executions: [
        { ...loanExecution(elsewhere, 'A-3000'), pipeline: 'fraud-check' },
        loanExecution(arriving, 'A-4000'),
      ],
    });
    await page.locator(`[data-testid="${testIds.executions.link}"][data-execution-id="${arriving}"]`).waitFor();
    const shown = await listedIds(page);
    expect(shown[0]).toBe(arriving);
    expect(shown).not.toContain(elsewhere);
    await screenshot(page, 'executions-live');
    // The stream went through the plugin proxy route, with the page's filter.
    expect(
      session.context.host.proxied.some(
        (request) =>
          request.decision === 'forward' &&
          request.path.startsWith('/api/v1/executions/stream?') &&
          request.path.includes('pipeline=loan-approval')
      )
    ).toBe(true);

    // Turning live mode off leaves the URL without it.
    await page.getByTestId(testIds.live.toggle).uncheck({ force: true });
    await page.waitForFunction(() => !new URL(window.location.href).searchParams.has('live'));
  });

  it('resumes after a lost stream from the last event: what was stored meanwhile appears, nothing twice', async () => {
    const { page, host } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now&pipeline=loan-approval&live=true`);
    const state = page.getByTestId(testIds.live.state);
    await page.locator(`[data-testid="${testIds.live.state}"][data-state="live"]`).waitFor();
    const before = id('exec-before');
    await sendWithSdk(session.state.collectorUrl, app.apiKey, { executions: [loanExecution(before, 'A-5000')] });
    await page.locator(`[data-testid="${testIds.executions.link}"][data-execution-id="${before}"]`).waitFor();

    // The proxy goes away: the page says so and keeps trying; meanwhile an execution is stored.
    host.setStreamsDown(true);
    await page.locator(`[data-testid="${testIds.live.state}"][data-state="reconnecting"]`).waitFor();
    await expect(state.textContent()).resolves.toContain('Disconnected');
    const meanwhile = id('exec-meanwhile');
    await sendWithSdk(session.state.collectorUrl, app.apiKey, { executions: [loanExecution(meanwhile, 'A-6000')] });
    host.setStreamsDown(false);

    // Only a resumed stream can bring it: a fresh one starts at "now", after it was stored.
    await page.locator(`[data-testid="${testIds.executions.link}"][data-execution-id="${meanwhile}"]`).waitFor();
    await page.locator(`[data-testid="${testIds.live.state}"][data-state="live"]`).waitFor();
    const shown = await listedIds(page);
    expect(shown.filter((one) => one === before)).toHaveLength(1);
    expect(shown.indexOf(meanwhile)).toBeLessThan(shown.indexOf(before));
    const resumed = host.proxied.filter(
      (request) => request.path.startsWith('/api/v1/executions/stream?') && request.path.includes('lastEventId=')
    );
    expect(resumed.length).toBeGreaterThan(0);
  });

  it('downloads what the filters select as CSV, and one execution as JSON', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now&where=${encodeURIComponent('applicantId=A-1042')}`);
    await waitForIds(page, [ids.a1042, ids.a1042b]);

    await page.getByTestId(testIds.export.button).click();
    const [csvDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(exportChoiceTestId('csv', false)).click(),
    ]);
    const csv = fs
      .readFileSync((await csvDownload.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
    const header = csv[0].split(',');
    const idColumn = header.indexOf('executionId');
    expect(idColumn).toBeGreaterThanOrEqual(0);
    expect(
      csv
        .slice(1)
        .map((line) => line.split(',')[idColumn])
        .sort()
    ).toEqual([ids.a1042, ids.a1042b].sort());

    await page.getByTestId(testIds.export.button).click();
    const [ndjsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(exportChoiceTestId('ndjson', true)).click(),
    ]);
    const records = fs
      .readFileSync((await ndjsonDownload.path())!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((record) => record.executionId).sort()).toEqual([ids.a1042, ids.a1042b].sort());
    for (const record of records) {
      expect(record.steps.map((step: { name: string }) => step.name).sort()).toEqual(
        ['credit-score', 'decide', 'fetch-applicant'].sort()
      );
    }
    expect(
      session.context.host.proxied.filter((request) => request.path.startsWith('/api/v1/export?')).map((r) => r.status)
    ).toEqual([200, 200]);

    // One execution, from its page.
    await gotoPlugin(session.context, `/a/xray-decisions-app/executions/${ids.a1042}?from=now-1h&to=now`);
    const [jsonDownload] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId(testIds.export.executionButton).click(),
    ]);
    const detail = JSON.parse(fs.readFileSync((await jsonDownload.path())!, 'utf8'));
    expect(jsonDownload.suggestedFilename()).toBe(`xray-execution-${ids.a1042}.json`);
    expect(detail.execution.executionId).toBe(ids.a1042);
    expect(detail.steps.map((step: { name: string }) => step.name).sort()).toEqual(
      ['credit-score', 'decide', 'fetch-applicant'].sort()
    );
  });

  it('compares two picked rows side by side: the changed step with its structural diff', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now&where=${encodeURIComponent('applicantId=A-1042')}`);
    await waitForIds(page, [ids.a1042, ids.a1042b]);
    const compare = page.getByTestId(testIds.compare.open);
    for (const executionId of [ids.a1042b, ids.a1042]) {
      await page
        .locator(`[data-testid="${testIds.compare.select}"][data-execution-id="${executionId}"]`)
        .check({ force: true });
    }
    await compare.click();
    await page.waitForURL(/\/compare\?/);
    const url = new URL(page.url());
    // The older execution is A (before), the newer B (after); the time range is carried.
    expect([url.searchParams.get('a'), url.searchParams.get('b')]).toEqual([ids.a1042, ids.a1042b]);
    expect(url.searchParams.get('from')).toBe('now-1h');

    await page.getByTestId(testIds.compare.summary).waitFor();
    await expect(page.getByTestId(testIds.compare.summary).textContent()).resolves.toMatch(
      /^2 changed · 0 added · 0 removed · 1 unchanged/
    );
    const changed = await page
      .locator(`[data-testid="${testIds.compare.row}"][data-kind="changed"]`)
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-step')));
    expect(changed.sort()).toEqual(['credit-score', 'decide']);
    const scoreRow = page.locator(`[data-testid="${testIds.compare.row}"][data-step="credit-score"]`);
    const scoreDiff = scoreRow.locator(`[data-testid="${testIds.compare.diffLine}"][data-path="$.score"]`);
    await expect(scoreDiff.textContent()).resolves.toBe('$.score712512');
    await expect(
      page.locator(`[data-testid="${testIds.compare.row}"][data-step="fetch-applicant"]`).getAttribute('data-kind')
    ).resolves.toBe('unchanged');
    await screenshot(page, 'compare');
  });

  it('shows on the Overview the share of decisions marked wrong, linked to those executions, and cost when the collector has it', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    await page.locator(`[data-testid="${testIds.overview.scoreSharePanel}"][data-frame-count="1"]`).waitFor();
    const { frames } = await panelFrames(page, testIds.overview.scoreSharePanel);
    expect(frames.map((frame) => frame.name)).toEqual(['loan-approval']);
    const [, share, scored] = frames[0].fields;
    const values = (field: typeof share) => field.values.map((value) => Number(value ?? 0));
    const scoredTotal = values(scored).reduce((sum, n) => sum + n, 0);
    const wrongTotal = values(share).reduce((sum, n, i) => sum + n * values(scored)[i], 0);
    expect([scoredTotal, Math.round(wrongTotal)]).toEqual([3, 1]);
    const link = share.links?.[0];
    expect(link?.title).toBe('Executions of loan-approval scored correct=false');

    // The link leads to the one execution marked wrong.
    await gotoPlugin(session.context, link!.url);
    await waitForIds(page, [ids.a1042]);
    const pills = page.getByTestId(testIds.businessKeys.pill);
    expect(await pills.evaluateAll((els) => els.map((el) => el.getAttribute('data-key')))).toEqual([
      'score.correct=false',
    ]);

    // Cost: a chart where the collector answers GET /stats/cost, a plain message where it does not.
    const cost = await fetch(`${session.state.collectorUrl}/api/v1/stats/cost?from=${Date.now() - 3_600_000}`, {
      headers: { authorization: `Bearer ${app.apiKey}` },
    });
    await gotoPlugin(session.context, '/a/xray-decisions-app/overview?from=now-1h&to=now');
    if (cost.status === 404) {
      await page.getByTestId(testIds.overview.costUnavailable).waitFor();
    } else {
      expect(cost.status).toBe(200);
      const { series } = (await cost.json()) as { series: Array<{ key: string }> };
      await page
        .locator(`[data-testid="${testIds.overview.costPanel}"][data-frame-count="${series.length}"]`)
        .waitFor();
      expect((await panelFrames(page, testIds.overview.costPanel)).frames.map((frame) => frame.name).sort()).toEqual(
        series.map((one) => one.key || '(none)').sort()
      );
    }
    await screenshot(page, 'overview-scores-cost');
  });
});
