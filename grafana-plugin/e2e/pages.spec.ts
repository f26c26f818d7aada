/**
 * The app's pages in a real Grafana (the compose stack), through Grafana's
 * own plugin proxy and PluginPage: what the browser harness's stand-ins
 * can only imitate.
 */
import { expect, test } from '@grafana/plugin-e2e';
import pluginJson from '../src/plugin.json';
import { testIds } from '../src/components/testIds';
import { seedOnce } from './seed';

test.beforeAll(async () => {
  await seedOnce();
});

test('Overview shows the seeded pipelines', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: pluginJson.id, path: '/overview' });
  await expect(page.getByTestId(testIds.overview.container)).toBeVisible();
  await expect(page.getByTestId(testIds.overview.failureRatePanel)).toBeVisible();
});

test('Executions lists failed executions and opens one', async ({ gotoAppPage, page }) => {
  await gotoAppPage({ pluginId: pluginJson.id, path: '/executions?status=failed' });
  const rows = page.getByTestId(testIds.executions.row);
  await expect(rows.first()).toBeVisible();
  await rows.first().getByTestId(testIds.executions.link).click();
  await expect(page.getByTestId(testIds.timeline.row).first()).toBeVisible();
  await expect(page.getByTestId(testIds.execution.failureBanner)).toBeVisible();
});

test('Execution page: the failed step explained, search and keyboard', async ({ gotoAppPage, page }) => {
  const manifest = await seedOnce();
  const failed = manifest.executions.find((execution) => execution.pipeline === 'loan-approval' && execution.failed)!;
  await gotoAppPage({ pluginId: pluginJson.id, path: `/executions/${failed.executionId}` });
  await expect(page.getByTestId(testIds.stepDetails.reasoning)).toContainText('below the 600 threshold');
  await page.getByTestId(testIds.timeline.search).fill('bureau');
  await expect(page.getByTestId(testIds.timeline.searchCount)).toHaveText('– of 1');
  await page.getByTestId(testIds.timeline.search).press('Enter');
  await expect(page.locator(`[data-testid="${testIds.timeline.row}"][data-current-match="true"]`)).toContainText(
    'bureau-lookup'
  );
});

test('Configuration page shows the collector settings', async ({ gotoAppConfigPage, page }) => {
  await gotoAppConfigPage({ pluginId: pluginJson.id });
  await expect(page.getByTestId(testIds.appConfig.collectorUrl)).toBeVisible();
});
