/**
 * The configuration page in a real browser: a person enters the collector
 * URL and API key and saves; afterwards the key is only "configured" (it is
 * never sent back to the browser), the proxy adds it to collector requests,
 * and the connection test goes through the proxy to the live collector.
 */
import { testIds } from '../../src/components/testIds';
import { gotoPlugin, screenshot, usePluginPage } from './support/browser';

describe('Configuration page', () => {
  // Only an org admin may change plugin settings in Grafana (the host refuses others, see host-server.ts).
  const session = usePluginPage(() => ({ enabled: false, pinned: false, jsonData: {}, secureJsonData: {} }), {
    orgRole: 'Admin',
    isGrafanaAdmin: false,
  });

  it('saves the collector URL and key; the key stays on the server', async () => {
    const { page, host } = session.context;
    await gotoPlugin(session.context, '/plugins/xray-decisions-app');
    const form = page.getByTestId(testIds.appConfig.container);
    await form.waitFor();

    // Invalid input is explained, not saved.
    await page.getByTestId(testIds.appConfig.collectorUrl).fill('not a url');
    await page.getByTestId(testIds.appConfig.submit).click();
    await expect(form.textContent()).resolves.toContain('Enter the collector’s base URL');
    expect(host.settings.jsonData.collectorUrl).toBeUndefined();

    await page.getByTestId(testIds.appConfig.collectorUrl).fill(session.state.collectorUrl);
    await page.getByTestId(testIds.appConfig.apiKey).fill(session.state.apiKey);
    await Promise.all([page.waitForEvent('load'), page.getByTestId(testIds.appConfig.submit).click()]);
    expect(host.settings).toEqual({
      enabled: true,
      pinned: false,
      jsonData: { collectorUrl: session.state.collectorUrl },
      secureJsonData: { apiKey: session.state.apiKey },
    });

    // After the reload: URL shown, key only "configured".
    await page.waitForFunction(() => window.__hostReady === true);
    await page.getByTestId(testIds.appConfig.collectorUrl).waitFor();
    await expect(page.getByTestId(testIds.appConfig.collectorUrl).inputValue()).resolves.toBe(
      session.state.collectorUrl
    );
    const keyInput = page.getByTestId(testIds.appConfig.apiKey);
    await expect(keyInput.inputValue()).resolves.toBe('configured');
    await expect(keyInput.isDisabled()).resolves.toBe(true);
    await expect(form.getByRole('button', { name: 'Reset' }).isVisible()).resolves.toBe(true);
    expect(await page.content()).not.toContain(session.state.apiKey);

    // The connection test goes through the proxy, which adds the key.
    await page.getByTestId(testIds.appConfig.testConnection).click();
    await page.getByText(/Connected\. 3 pipelines ran/).waitFor();
    const proxied = host.proxied.filter((request) => request.path.startsWith('/api/v1/pipelines'));
    expect(proxied).toEqual([expect.objectContaining({ status: 200, injectedAuthorization: true })]);
    await screenshot(page, 'configuration');

    // The key went from the browser exactly once: in the settings form it was typed into.
    const carryingKey = session.context.requests.filter(
      (request) =>
        request.url.includes(session.state.apiKey) ||
        JSON.stringify(request.headers).includes(session.state.apiKey) ||
        request.postData?.includes(session.state.apiKey)
    );
    expect(carryingKey.map((request) => new URL(request.url).pathname)).toEqual([
      '/api/plugins/xray-decisions-app/settings',
    ]);
  });

  it('reset clears the key so a new one can be entered', async () => {
    const { page } = session.context;
    session.context.host.settings = {
      enabled: true,
      pinned: true,
      jsonData: { collectorUrl: session.state.collectorUrl },
      secureJsonData: { apiKey: session.state.apiKey },
    };
    await gotoPlugin(session.context, '/plugins/xray-decisions-app');
    await page.getByTestId(testIds.appConfig.container).getByRole('button', { name: 'Reset' }).click();
    const keyInput = page.getByTestId(testIds.appConfig.apiKey);
    await expect(keyInput.isDisabled()).resolves.toBe(false);
    await expect(keyInput.inputValue()).resolves.toBe('');
  });

  it('shows the collector’s answer when the proxy cannot authenticate', async () => {
    const { page } = session.context;
    session.context.host.settings = {
      enabled: true,
      pinned: true,
      jsonData: { collectorUrl: session.state.collectorUrl },
      secureJsonData: { apiKey: 'xr_wrong_key_0000000000' },
    };
    await gotoPlugin(session.context, '/a/xray-decisions-app/executions?from=now-1h&to=now');
    await page.getByText('Could not load executions').waitFor();
  });
});

describe('The host as Grafana answers a Viewer', () => {
  const session = usePluginPage();

  it('refuses settings changes, non-GET collector requests and paths outside the routes', async () => {
    const { page, host } = session.context;
    await gotoPlugin(session.context, '/a/xray-decisions-app/executions?from=now-1h&to=now');
    const statuses = await page.evaluate(async () => {
      const send = async (url: string, method: string) =>
        (await fetch(url, { method, body: method === 'GET' ? undefined : '{}' })).status;
      return {
        settings: await send('/api/plugins/xray-decisions-app/settings', 'POST'),
        postExecutions: await send('/api/plugin-proxy/xray-decisions-app/collector/api/v1/executions', 'POST'),
        ingest: await send('/api/plugin-proxy/xray-decisions-app/collector/v1/traces', 'GET'),
        oldRoute: await send('/api/plugin-proxy/xray-decisions-app/collector', 'GET'),
        pipelines: await send('/api/plugin-proxy/xray-decisions-app/collector/api/v1/pipelines', 'GET'),
      };
    });
    expect(statuses).toEqual({ settings: 403, postExecutions: 404, ingest: 404, oldRoute: 404, pipelines: 200 });
    // These refusals were this test's own doing; the page's requests all matched.
    host.proxied.splice(0, host.proxied.length, ...host.proxied.filter((request) => request.decision === 'forward'));
  });
});
