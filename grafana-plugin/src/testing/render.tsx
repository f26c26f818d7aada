/**
 * Renders a component the way Grafana hosts the plugin's pages: inside a
 * react-router bound to Grafana's location service, with a given collector
 * client instead of the plugin proxy.
 */
import React, { useLayoutEffect, useState } from 'react';
import { render } from '@testing-library/react';
import { Route, Router, Routes } from 'react-router-dom';
import { locationService } from '@grafana/runtime';
import { CollectorClientProvider } from '../api/hooks';
import type { CollectorClient } from '../api/client';

function LocationServiceRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useLayoutEffect(() => history.listen((next: typeof location) => setLocation(next)), [history]);
  return (
    <Router location={location} navigator={history as never}>
      {children}
    </Router>
  );
}

export function renderPage(ui: React.ReactElement, options: { client: CollectorClient; url: string; path?: string }) {
  locationService.push(options.url);
  return render(
    <CollectorClientProvider client={options.client}>
      <LocationServiceRouter>
        <Routes>
          <Route path={options.path ?? '*'} element={ui} />
        </Routes>
      </LocationServiceRouter>
    </CollectorClientProvider>
  );
}

/** A client whose every method rejects unless given. */
export function fakeClient(overrides: Partial<CollectorClient>): CollectorClient {
  const missing = (name: string) => () => Promise.reject(new Error(`${name} not expected in this test`));
  return {
    listExecutions: missing('listExecutions'),
    getExecution: missing('getExecution'),
    getExecutionOutline: missing('getExecutionOutline'),
    getStepPage: missing('getStepPage'),
    getStep: missing('getStep'),
    searchExecution: missing('searchExecution'),
    searchSteps: missing('searchSteps'),
    failureRate: missing('failureRate'),
    durations: missing('durations'),
    summary: missing('summary'),
    topFailingSteps: missing('topFailingSteps'),
    pipelines: missing('pipelines'),
    compareExecutions: missing('compareExecutions'),
    listScores: missing('listScores'),
    scoreStats: missing('scoreStats'),
    costStats: missing('costStats'),
    ...overrides,
  };
}
