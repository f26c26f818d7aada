/**
 * Every request the app sends to the collector, run through plugin.json's
 * routes with Grafana's proxy semantics (test/browser/support/grafana-plugin-proxy.ts):
 * each must reach the same path under the collector URL with the key, as a
 * Viewer, and only as a GET. The route the app used to declare
 * (`"path": "collector"`) must fail the same requests, as it does in Grafana.
 */
import pluginJson from '../../src/plugin.json';
import {
  createCollectorClient,
  exportUrl,
  executionJsonUrl,
  liveStreamUrl,
  type CollectorClient,
  type QueryParams,
} from '../../src/api/client';
import { COLLECTOR_API_BASE } from '../../src/constants';
import { decideProxy, type PluginRoute, type ProxyUser } from '../browser/support/grafana-plugin-proxy';

const COLLECTOR_URL = 'http://collector.internal:4319';
const data = { JsonData: { collectorUrl: COLLECTOR_URL }, SecureJsonData: { apiKey: 'xr_read_key' } };
const viewer: ProxyUser = { orgRole: 'Viewer', isGrafanaAdmin: false };
const OLD_ROUTES: PluginRoute[] = [
  {
    path: 'collector',
    url: '{{ .JsonData.collectorUrl }}',
    reqRole: 'Viewer',
    headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiKey }}' }],
  },
];

interface AppRequest {
  /** The path under the collector's /api/v1 and the query the client sent. */
  apiPath: string;
  search: string;
}

/** The requests the client sends, one call of every client method, as the browser would put them on the wire. */
async function everyAppRequest(): Promise<AppRequest[]> {
  const requests: AppRequest[] = [];
  const called = new Set<string>();
  const fetchJson = async <T>(path: string, params: QueryParams = {}) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const one of Array.isArray(value) ? value : [value]) {
        if (one !== undefined && one !== '') {
          query.append(key, String(one));
        }
      }
    }
    requests.push({ apiPath: path, search: query.size ? `?${query}` : '' });
    return {} as T;
  };
  const client = createCollectorClient(fetchJson);
  const window = { fromMillis: 1_000, toMillis: 2_000 };
  const calls: { [K in keyof CollectorClient]: () => Promise<unknown> } = {
    listExecutions: () =>
      client.listExecutions({
        ...window,
        pipeline: 'loan',
        where: ['applicantId=A-1042', 'user.id=u 7'],
        scores: { correct: 'false' },
        limit: 50,
        cursor: 'abc',
      }),
    getExecution: () => client.getExecution('0f6c1d2e-9a7b-4c3d-8e5f-102030405060'),
    getExecutionOutline: async () => {
      await client.getExecutionOutline('0f6c1d2e-9a7b-4c3d-8e5f-102030405060');
      return client.getExecutionOutline('0f6c1d2e-9a7b-4c3d-8e5f-102030405060', 200);
    },
    getStepPage: () => client.getStepPage('exec-1', { offset: 500, limit: 200, preview: 120 }),
    getStep: () => client.getStep('exec-1', '00f067aa0ba902b7'),
    searchExecution: () => client.searchExecution('exec-1', 'credit "score below"', { limit: 100_000, snippets: 200 }),
    searchSteps: () => client.searchSteps({ ...window, name: 'score', status: 'failed' }),
    failureRate: () => client.failureRate({ ...window, intervalSeconds: 60 }),
    durations: () => client.durations({ ...window, intervalSeconds: 60 }),
    summary: () => client.summary({ ...window, environment: 'prod' }),
    topFailingSteps: () => client.topFailingSteps({ ...window, limit: 10 }),
    pipelines: () => client.pipelines(window),
    compareExecutions: () => client.compareExecutions('exec-a', 'exec-b'),
    listScores: () => client.listScores('exec-1'),
    scoreStats: () => client.scoreStats({ ...window, name: 'correct', intervalSeconds: 300 }),
    costStats: () => client.costStats({ ...window, groupBy: 'model', intervalSeconds: 300 }),
  };
  // A client method missing from `calls` fails to compile; one that sends nothing fails here.
  for (const [name, call] of Object.entries(calls)) {
    const before = requests.length;
    await call();
    expect(requests.length).toBeGreaterThan(before);
    called.add(name);
  }
  expect([...called].sort()).toEqual(Object.keys(client).sort());
  // Requests the browser sends outside backendSrv: downloads and the live stream.
  const filters = { pipeline: 'loan', where: ['applicantId=A-1042'], scores: { correct: 'false' } };
  for (const url of [
    exportUrl({ ...window, ...filters, format: 'csv', steps: true }),
    executionJsonUrl('0f6c1d2e-9a7b-4c3d-8e5f-102030405060'),
    liveStreamUrl(filters, '1733140000000-exec-1'),
  ]) {
    const parsed = new URL(url, 'http://grafana.local');
    const prefix = `/${COLLECTOR_API_BASE}`;
    expect(parsed.pathname.startsWith(prefix)).toBe(true);
    // The live tail and the export take no score filters (the collector refuses unknown keys).
    expect(parsed.search).not.toContain('score.');
    requests.push({ apiPath: parsed.pathname.slice(prefix.length), search: parsed.search });
  }
  return requests;
}

const browserPath = (apiPath: string) => `/${COLLECTOR_API_BASE}${apiPath}`;

describe('plugin.json routes under Grafana’s proxy semantics', () => {
  it('forward every request the app makes to the same path under the collector, with the key', async () => {
    const requests = await everyAppRequest();
    for (const request of requests) {
      const decision = decideProxy(
        pluginJson.routes,
        'GET',
        browserPath(request.apiPath),
        request.search,
        viewer,
        data
      );
      expect({ request, decision: decision.kind }).toEqual({ request, decision: 'forward' });
      if (decision.kind === 'forward') {
        expect(decision.upstream).toBe(`${COLLECTOR_URL}/api/v1${request.apiPath}${request.search}`);
        expect(decision.headers).toEqual({ authorization: 'Bearer xr_read_key' });
      }
    }
  });

  it('let nothing but GET through, and nothing to a user without a role', async () => {
    const requests = await everyAppRequest();
    for (const request of requests) {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'get']) {
        expect(decideProxy(pluginJson.routes, method, browserPath(request.apiPath), '', viewer, data).kind).toBe(
          'no-route'
        );
      }
      const roleless = decideProxy(
        pluginJson.routes,
        'GET',
        browserPath(request.apiPath),
        '',
        { orgRole: 'None', isGrafanaAdmin: false },
        data
      );
      expect(roleless.kind).toBe('denied');
    }
  });

  it('reach no collector path the app does not call (ingest, admin, health)', () => {
    for (const path of ['/v1/traces', '/api/v1/admin/apps', '/api/v1/keys', '/healthz', '/metrics', '/api/v1']) {
      const escaped = `/api/plugin-proxy/${pluginJson.id}/collector${path}`;
      expect(decideProxy(pluginJson.routes, 'GET', escaped, '', viewer, data).kind).toBe('no-route');
    }
  });

  it('fail with the old catch-all route, as Grafana answers "plugin route match not found"', async () => {
    const requests = await everyAppRequest();
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      const decision = decideProxy(OLD_ROUTES, 'GET', browserPath(request.apiPath), request.search, viewer, data);
      expect(decision).toEqual({ kind: 'no-route', status: 404, message: 'plugin route match not found' });
    }
  });
});
