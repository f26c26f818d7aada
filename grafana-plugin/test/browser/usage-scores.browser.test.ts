/**
 * Tokens, cost and scores in a real browser against the live collector, with
 * an execution sent by the real SDK into an app of this file's own: its
 * gen_ai usage summed in the executions list (Tokens and Cost columns, the
 * input/output split in the tooltip), an execution without usage left blank,
 * and its scores on the Execution page (latest per name, "+N earlier").
 */
import { randomBytes } from 'crypto';
import { testIds } from '../../src/components/testIds';
import { gotoPlugin, screenshot, usePluginPage } from './support/browser';
import { sendWithSdk } from './support/sdk';
import { createTestApp, type TestApp } from './support/test-app';

const PAGE = '/a/xray-decisions-app/executions';

describe('Tokens, cost and scores', () => {
  let app: TestApp;
  const session = usePluginPage(() => app.settings);
  const suffix = randomBytes(3).toString('hex');
  const withUsage = `exec-usage-${suffix}`;
  const withoutUsage = `exec-plain-${suffix}`;

  beforeAll(async () => {
    const { readState } = await import('./support/browser');
    app = await createTestApp(readState(), 'plugin-usage');
    const now = Date.now();
    await sendWithSdk(readState().collectorUrl, app.apiKey, {
      executions: [
        {
          executionId: withUsage,
          pipeline: 'support-triage',
          environment: 'prod',
          steps: [
            {
              name: 'classify',
              output: { intent: 'refund' },
              model: 'gpt-4o-mini',
              inputTokens: 1200,
              outputTokens: 34,
              costUsd: 0.0021,
              durationMs: 10,
            },
            {
              name: 'draft',
              output: { reply: 'ok' },
              model: 'gpt-4o',
              inputTokens: 800,
              outputTokens: 166,
              costUsd: 0.0104,
              durationMs: 10,
            },
            { name: 'send', output: { sent: true }, durationMs: 5 },
          ],
        },
        {
          executionId: withoutUsage,
          pipeline: 'support-triage',
          environment: 'prod',
          steps: [{ name: 'send', durationMs: 5 }],
        },
      ],
      scores: [
        { executionId: withUsage, name: 'correct', value: true, author: 'bob', time: now - 120_000 },
        {
          executionId: withUsage,
          name: 'correct',
          value: false,
          author: 'alice',
          comment: 'wrong tier',
          time: now - 60_000,
        },
        { executionId: withUsage, name: 'tier', value: 'B', author: 'alice', time: now - 60_000 },
      ],
    });
  });

  it('shows each execution’s summed tokens and cost in the list, blank for one without usage', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}?from=now-1h&to=now`);
    const row = (executionId: string) =>
      page.locator('tr', { has: page.locator(`[data-execution-id="${executionId}"]`) });
    const tokens = row(withUsage).getByTestId(testIds.executions.tokens);
    await tokens.waitFor();
    // 1200 + 34 + 800 + 166 tokens; $0.0021 + $0.0104 reported by the sender (nothing estimated).
    expect(await tokens.textContent()).toBe('2,200');
    expect(await tokens.getAttribute('title')).toBe('2,000 input + 200 output tokens');
    const cost = row(withUsage).getByTestId(testIds.executions.cost);
    expect(await cost.textContent()).toBe('$0.0125');
    expect(await cost.getAttribute('title')).toBe('Reported by the sender');
    await row(withoutUsage).waitFor();
    expect(await row(withoutUsage).getByTestId(testIds.executions.tokens).count()).toBe(0);
    expect(await row(withoutUsage).getByTestId(testIds.executions.cost).count()).toBe(0);
    await screenshot(page, 'executions-usage');

    // The Cost column sorts by the amount: ascending puts the execution without a cost first, descending last.
    const order = () =>
      page
        .getByTestId(testIds.executions.link)
        .evaluateAll((els) => els.map((el) => el.getAttribute('data-execution-id')));
    const costHeader = page.getByRole('columnheader', { name: 'Cost' }).getByRole('button');
    await costHeader.click();
    expect(await order()).toEqual([withoutUsage, withUsage]);
    await costHeader.click();
    expect(await order()).toEqual([withUsage, withoutUsage]);
  });

  it('lists the execution’s latest score of each name on its page, with the earlier ones counted', async () => {
    const { page } = session.context;
    await gotoPlugin(session.context, `${PAGE}/${withUsage}?from=now-1h&to=now`);
    const list = page.getByTestId(testIds.scores.list);
    await list.waitFor();
    const items = list.getByTestId(testIds.scores.item);
    expect(await items.evaluateAll((els) => els.map((el) => el.getAttribute('data-score-name')))).toEqual([
      'correct',
      'tier',
    ]);
    const correct = list.locator(`[data-score-name="correct"]`);
    expect(await correct.getByTestId(testIds.scores.value).textContent()).toBe('false');
    expect(await correct.getByTestId(testIds.scores.earlier).textContent()).toBe('+1 earlier');
    expect(await correct.getByTestId(testIds.scores.comment).textContent()).toContain('wrong tier');
    expect(await correct.textContent()).toContain('by alice');
    const tier = list.locator(`[data-score-name="tier"]`);
    expect(await tier.getByTestId(testIds.scores.value).textContent()).toBe('B');
    expect(await tier.getByTestId(testIds.scores.earlier).count()).toBe(0);
    await screenshot(page, 'execution-scores');
  });
});
