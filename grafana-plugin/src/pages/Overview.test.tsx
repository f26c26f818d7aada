import React from 'react';
import { screen, within } from '@testing-library/react';
import Overview from './Overview';
import type { StepQuery, TopFailingStepsQuery } from '../api/types';
import { fakeClient, renderPage } from '../testing/render';
import { makeStep } from '../testing/fixtures';
import { testIds } from '../components/testIds';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PanelRenderer: () => <div data-testid="panel" />,
}));

function overviewClient() {
  const calls = { pipelines: 0, topFailingSteps: [] as TopFailingStepsQuery[], searchSteps: [] as StepQuery[] };
  const client = fakeClient({
    pipelines: async () => {
      calls.pipelines++;
      return { pipelines: ['fraud-check', 'loan-approval'], environments: ['prod', 'staging'] };
    },
    summary: async () => ({
      from: '',
      to: '',
      executions: 20,
      failed: 7,
      failureRate: 0.35,
      avgDurationMs: 120,
      p50DurationMs: 170,
      p95DurationMs: 190,
    }),
    failureRate: async () => ({ intervalSeconds: 60, from: '', to: '', series: [] }),
    durations: async () => ({ intervalSeconds: 60, from: '', to: '', points: [] }),
    topFailingSteps: async (query) => {
      calls.topFailingSteps.push(query);
      return {
        from: '',
        to: '',
        steps: [
          { pipeline: 'fraud-check', name: 'velocity-check', total: 8, failed: 4, failureRate: 0.5 },
          { pipeline: 'loan-approval', name: 'credit-score', total: 12, failed: 3, failureRate: 0.25 },
        ],
      };
    },
    searchSteps: async (query) => {
      calls.searchSteps.push(query);
      const steps =
        query.name === 'velocity-check'
          ? [
              makeStep({
                spanId: 'v',
                executionId: 'fraud-1',
                name: 'velocity-check',
                pipeline: 'fraud-check',
                status: 'failed',
                error: { type: 'VelocityExceeded', message: '7 transactions in 60s (limit 5)', stack: '' },
              }),
            ]
          : [];
      return { steps, nextCursor: null };
    },
  });
  return { client, calls };
}

describe('Overview page', () => {
  it('shows the collector’s counts of the steps that fail most, with each one’s latest error', async () => {
    const { client, calls } = overviewClient();
    renderPage(<Overview />, {
      client,
      url: '/a/xray-decisions-app/overview?from=now-1h&to=now&environment=staging',
    });
    const table = await screen.findByTestId(`${testIds.overview.topFailingSteps}-table`);
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('velocity-check');
    expect(rows[0]).toHaveTextContent('4 of 8');
    expect(rows[0]).toHaveTextContent('50.0%');
    expect(within(rows[0]).getByRole('link', { name: '7 transactions in 60s (limit 5)' })).toHaveAttribute(
      'href',
      '/a/xray-decisions-app/executions/fraud-1?from=now-1h&to=now'
    );
    expect(within(rows[0]).getByRole('link', { name: 'velocity-check' }).getAttribute('href')).toBe(
      '/a/xray-decisions-app/executions?from=now-1h&to=now&step=velocity-check&pipeline=fraud-check&status=failed&environment=staging'
    );
    // No failure found for credit-score in the counted hours: a dash, not a broken link.
    expect(rows[1]).toHaveTextContent('3 of 12');
    expect(within(rows[1]).getAllByRole('link')).toHaveLength(1);

    expect(calls.topFailingSteps).toEqual([expect.objectContaining({ environment: 'staging', limit: 10 })]);
    expect(calls.searchSteps).toEqual([
      expect.objectContaining({ name: 'velocity-check', pipeline: 'fraud-check', environment: 'staging', limit: 1 }),
      expect.objectContaining({ name: 'credit-score', pipeline: 'loan-approval', environment: 'staging', limit: 1 }),
    ]);
    // Both filter pickers share one catalog request.
    expect(calls.pipelines).toBe(1);
    // Nothing on the page is sampled any more.
    expect(screen.queryByText(/from the newest/)).not.toBeInTheDocument();
  });
});
