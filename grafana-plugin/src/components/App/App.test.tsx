import React from 'react';
import { screen } from '@testing-library/react';
import type { AppRootProps } from '@grafana/data';
import App from './App';
import { fakeClient, renderPage } from '../../testing/render';
import { testIds } from '../testIds';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PanelRenderer: () => <div data-testid="panel" />,
}));

const empty = fakeClient({
  listExecutions: async () => ({ executions: [], nextCursor: null }),
  pipelines: async () => ({ pipelines: [], environments: [] }),
  summary: async () => ({
    from: '',
    to: '',
    executions: 0,
    failed: 0,
    failureRate: 0,
    avgDurationMs: 0,
    p50DurationMs: 0,
    p95DurationMs: 0,
  }),
  failureRate: async () => ({ intervalSeconds: 60, from: '', to: '', series: [] }),
  durations: async () => ({ intervalSeconds: 60, from: '', to: '', points: [] }),
  topFailingSteps: async () => ({ from: '', to: '', steps: [] }),
});

function renderApp(url: string) {
  return renderPage(<App {...({} as AppRootProps)} />, { client: empty, url, path: '/a/xray-decisions-app/*' });
}

describe('App routes', () => {
  it('opens the Overview by default', async () => {
    renderApp('/a/xray-decisions-app/');
    expect(await screen.findByTestId(testIds.overview.container, {}, { timeout: 3000 })).toBeInTheDocument();
  });

  it('opens the Executions page and says when nothing matches', async () => {
    renderApp('/a/xray-decisions-app/executions');
    expect(await screen.findByTestId(testIds.executions.empty, {}, { timeout: 3000 })).toBeInTheDocument();
  });
});
