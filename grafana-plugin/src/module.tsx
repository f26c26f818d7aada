/**
 * The plugin's entry point: the app's root page (routes to Overview,
 * Executions and an Execution's page) and its configuration page, both
 * loaded lazily so Grafana fetches their code only when they are opened.
 */
import React, { Suspense, lazy, useState } from 'react';
import { AppPlugin, type AppRootProps } from '@grafana/data';
import { locationService } from '@grafana/runtime';
import { LoadingPlaceholder } from '@grafana/ui';
import type { AppConfigProps, AppPluginSettings } from './components/AppConfig/AppConfig';
import { PLUGIN_BASE_URL, ROUTES } from './constants';

const LazyApp = lazy(() => import('./components/App/App'));
const LazyAppConfig = lazy(() => import('./components/AppConfig/AppConfig'));

const EXECUTION_PATH = new RegExp(`^${PLUGIN_BASE_URL}/${ROUTES.Executions}/([^/]+)/?$`);

/**
 * The app opened on an execution's URL: that page's code and outline start
 * loading now, beside the app's own code, rather than one after the other.
 */
function prefetchOpenedExecution() {
  const opened = EXECUTION_PATH.exec(locationService.getLocation().pathname);
  if (opened) {
    const executionId = decodeURIComponent(opened[1]);
    void import('./api/execution-prefetch').then((module) => module.prefetchExecutionPage(executionId));
  }
}

const App = (props: AppRootProps) => {
  // Once per entry into the app, on its first render.
  useState(prefetchOpenedExecution);
  return (
    <Suspense fallback={<LoadingPlaceholder text="" />}>
      <LazyApp {...props} />
    </Suspense>
  );
};

const AppConfig = (props: AppConfigProps) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyAppConfig {...props} />
  </Suspense>
);

export const plugin = new AppPlugin<AppPluginSettings>().setRootPage(App).addConfigPage({
  title: 'Configuration',
  icon: 'cog',
  body: AppConfig,
  id: 'configuration',
});
