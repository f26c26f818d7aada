/**
 * A page that hosts the plugin's built module (dist/module.js) the way
 * Grafana does: module.js is an AMD module whose dependencies (react,
 * @grafana/ui, @grafana/data, @grafana/runtime, ...) Grafana provides at
 * run time; here this bundle provides the same npm packages. The app's root
 * page is mounted under /a/xray-decisions-app/ and its configuration page
 * under /plugins/xray-decisions-app, in Grafana's dark theme (or light).
 */
import React, { useEffect, useLayoutEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import * as ReactDOM from 'react-dom';
import * as ReactNamespace from 'react';
import * as ReactRouter from 'react-router';
import * as Rxjs from 'rxjs';
import * as EmotionCss from '@emotion/css';
import * as GrafanaData from '@grafana/data';
import { type AppPlugin, type AppPluginMeta, createTheme, PluginType } from '@grafana/data';
import * as GrafanaRuntime from '@grafana/runtime';
import { locationService, setBackendSrv } from '@grafana/runtime';
import * as GrafanaUi from '@grafana/ui';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
// Setters Grafana's core calls at start-up; the package does not export them (its `internal`
// entry is removed on publish), so the host imports the very modules the package root re-exports.
// @ts-expect-error -- no declaration file for the built module
import { setPanelRenderer as setPanelRendererUntyped } from '../../../node_modules/@grafana/runtime/dist/esm/components/PanelRenderer.mjs';
// @ts-expect-error -- no declaration file for the built module
import { setPluginPage as setPluginPageUntyped } from '../../../node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs';
import { createBackendSrv, HostPanelRenderer, HostPluginPage } from './grafana-stand-ins';

const setPanelRenderer = setPanelRendererUntyped as (renderer: typeof GrafanaRuntime.PanelRenderer) => void;
const setPluginPage = setPluginPageUntyped as (page: typeof GrafanaRuntime.PluginPage) => void;

const PLUGIN_ID = 'xray-decisions-app';
const MODULE_URL = `public/plugins/${PLUGIN_ID}/module.js`;

declare global {
  interface Window {
    define?: ((deps: string[], factory: (...modules: unknown[]) => unknown) => void) & { amd?: object };
    __hostReady?: boolean;
    /** The theme's status colours, for tests to compare rendered colours with. */
    __hostThemeColors?: { error: string; success: string; warning: string };
    __hostError?: string;
  }
}

const registry: Record<string, unknown> = {
  react: ReactNamespace,
  'react-dom': ReactDOM,
  'react-router': ReactRouter,
  rxjs: Rxjs,
  '@emotion/css': EmotionCss,
  '@grafana/data': GrafanaData,
  '@grafana/runtime': GrafanaRuntime,
  '@grafana/ui': GrafanaUi,
};

/** Loads an AMD module by script tag, resolving its dependencies from the registry. */
function loadPluginModule(): Promise<{ plugin: AppPlugin }> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...modules: unknown[]) => unknown) => {
      try {
        const modules = deps.map((dep) => {
          if (dep === 'module') {
            return { uri: MODULE_URL };
          }
          if (!(dep in registry)) {
            throw new Error(`module.js needs "${dep}", which the host does not provide`);
          }
          return registry[dep];
        });
        resolve(factory(...modules) as { plugin: AppPlugin });
      } catch (error) {
        reject(error);
      }
    };
    define.amd = {};
    window.define = define;
    const script = document.createElement('script');
    script.src = `/${MODULE_URL}`;
    script.onerror = () => reject(new Error(`could not load ${MODULE_URL}`));
    document.head.appendChild(script);
  });
}

async function loadMeta(): Promise<AppPluginMeta> {
  const response = await fetch(`/api/plugins/${PLUGIN_ID}/settings`);
  const settings = await response.json();
  return {
    id: PLUGIN_ID,
    name: 'X-Ray Decisions',
    type: PluginType.app,
    module: MODULE_URL,
    baseUrl: `public/plugins/${PLUGIN_ID}`,
    info: {} as AppPluginMeta['info'],
    enabled: settings.enabled,
    pinned: settings.pinned,
    jsonData: settings.jsonData,
    secureJsonFields: settings.secureJsonFields,
  } as AppPluginMeta;
}

/** react-router bound to Grafana's location service history, as in Grafana. */
function LocationServiceRouter({ children }: { children: React.ReactNode }) {
  const history = locationService.getHistory();
  const [location, setLocation] = useState(history.location);
  useLayoutEffect(() => history.listen((next: typeof location) => setLocation(next)), [history]);
  return (
    <ReactRouter.Router location={location} navigator={history as never}>
      {children}
    </ReactRouter.Router>
  );
}

/** Grafana handles clicks on same-origin links itself (no page reload). */
function useLinkInterception() {
  useEffect(() => {
    const onClick = (event: MouseEvent) => {
      const anchor = (event.target as HTMLElement).closest('a');
      const href = anchor?.getAttribute('href');
      if (!anchor || !href || anchor.target || event.defaultPrevented || event.metaKey || event.ctrlKey) {
        return;
      }
      const url = new URL(href, window.location.href);
      if (url.origin === window.location.origin) {
        event.preventDefault();
        locationService.push(url.pathname + url.search + url.hash);
      }
    };
    document.addEventListener('click', onClick);
    return () => document.removeEventListener('click', onClick);
  }, []);
}

function Nav() {
  const theme = GrafanaUi.useTheme2();
  const link = (href: string, text: string, testId: string) => (
    <a
      href={href}
      data-testid={testId}
      style={{ color: theme.colors.text.primary, padding: '6px 12px', display: 'block' }}
    >
      {text}
    </a>
  );
  return (
    <nav
      style={{
        width: 200,
        flexShrink: 0,
        borderRight: `1px solid ${theme.colors.border.weak}`,
        background: theme.colors.background.primary,
        paddingTop: 16,
      }}
    >
      <div style={{ padding: '0 12px 12px', fontWeight: 500 }}>X-Ray Decisions</div>
      {link(`/a/${PLUGIN_ID}/overview`, 'Overview', 'host-nav-overview')}
      {link(`/a/${PLUGIN_ID}/executions`, 'Executions', 'host-nav-executions')}
      {link(`/plugins/${PLUGIN_ID}`, 'Configuration', 'host-nav-configuration')}
    </nav>
  );
}

function Host({ plugin }: { plugin: AppPlugin }) {
  useLinkInterception();
  const Root = plugin.root!;
  const ConfigBody = plugin.configPages![0].body;
  return (
    <div style={{ display: 'flex', minHeight: '100vh' }}>
      <Nav />
      <main style={{ flex: 1, minWidth: 0 }}>
        <LocationServiceRouter>
          <ReactRouter.Routes>
            <ReactRouter.Route
              path={`/a/${PLUGIN_ID}/*`}
              element={
                <Root meta={plugin.meta!} basename={`/a/${PLUGIN_ID}`} path="" query={{}} onNavChanged={() => {}} />
              }
            />
            <ReactRouter.Route
              path={`/plugins/${PLUGIN_ID}`}
              element={
                <HostPluginPage pageNav={{ text: 'Configuration' }}>
                  <ConfigBody plugin={plugin} query={{}} />
                </HostPluginPage>
              }
            />
          </ReactRouter.Routes>
        </LocationServiceRouter>
      </main>
    </div>
  );
}

async function start() {
  setBackendSrv(createBackendSrv());
  setPanelRenderer(HostPanelRenderer);
  setPluginPage(HostPluginPage);
  const [{ plugin }, meta] = await Promise.all([loadPluginModule(), loadMeta()]);
  plugin.meta = meta;
  // Dark by default, like Grafana; `?hostTheme=light` renders the light theme.
  const mode = new URLSearchParams(window.location.search).get('hostTheme') === 'light' ? 'light' : 'dark';
  const theme = createTheme({ colors: { mode } });
  window.__hostThemeColors = {
    error: theme.colors.error.main,
    success: theme.colors.success.main,
    warning: theme.colors.warning.main,
  };
  createRoot(document.getElementById('root')!).render(
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <Host plugin={plugin} />
    </ThemeContext.Provider>
  );
  window.__hostReady = true;
}

start().catch((error: unknown) => {
  window.__hostError = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
  document.body.textContent = `Host failed: ${window.__hostError}`;
});
