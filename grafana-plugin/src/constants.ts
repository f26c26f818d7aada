/**
 * Names shared by the whole plugin: its id, the base URL of its pages, the
 * page routes, and the path through Grafana's plugin proxy to the collector.
 */
import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;

export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

export enum ROUTES {
  Overview = 'overview',
  Executions = 'executions',
  Compare = 'compare',
}

/**
 * The first segment of every proxy route in plugin.json (`routes[].path`).
 * Grafana matches a route segment by segment (no prefix matching), so
 * plugin.json declares one GET-only route per API path the app calls
 * (`collector/api/v1/executions`, `collector/api/v1/stats/*`, ...); each
 * forwards to the same path under `jsonData.collectorUrl`, adding
 * `Authorization: Bearer <secureJsonData.apiKey>` on the server side, so the
 * key never reaches the browser.
 */
export const COLLECTOR_PROXY_PREFIX = 'collector';

/** Base URL of the collector's query API as the browser sees it. */
export const COLLECTOR_API_BASE = `api/plugin-proxy/${PLUGIN_ID}/${COLLECTOR_PROXY_PREFIX}/api/v1`;

/** Prefixes a page route with the plugin's base URL. */
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

/** URL of one execution's page. */
export function executionUrl(executionId: string): string {
  return prefixRoute(`${ROUTES.Executions}/${encodeURIComponent(executionId)}`);
}
