/**
 * The test host's copy of Grafana's route matching, checked against the
 * cases Grafana's own tests pin (pkg/api/pluginproxy/pluginproxy_test.go
 * TestPluginProxyRoutes, and the tree's segment rules in pkg/web/tree.go).
 */
import { createRouteTree } from '../browser/support/grafana-route-tree';
import { decideProxy, type PluginRoute, type ProxyUser } from '../browser/support/grafana-plugin-proxy';

const viewer: ProxyUser = { orgRole: 'Viewer', isGrafanaAdmin: false };
const noData = { JsonData: {}, SecureJsonData: {} };
const PREFIX = '/api/plugin-proxy/some-app';

describe('Grafana route tree', () => {
  it('matches static paths exactly, never by prefix', () => {
    const tree = createRouteTree('collector');
    expect(tree.match('collector').matched).toBe(true);
    expect(tree.match('/collector/').matched).toBe(true);
    expect(tree.match('collector/api/v1/executions').matched).toBe(false);
    expect(tree.match('collectors').matched).toBe(false);
  });

  it('lets a trailing * take one or more segments, and nothing else', () => {
    const tree = createRouteTree('collector/*');
    expect(tree.match('collector/api/v1/executions').params['*']).toBe('api/v1/executions');
    expect(tree.match('collector/x').params['*']).toBe('x');
    expect(tree.match('collector').matched).toBe(false);
    expect(tree.match('collector/').matched).toBe(false);
    expect(tree.match('other/x').matched).toBe(false);
  });

  it('captures :params as whole segments and regexp params by search', () => {
    expect(createRouteTree('api/:projectID/envelope/').match('/api/1/envelope/').params[':projectID']).toBe('1');
    expect(createRouteTree('api/:id/x').match('api/a/b/x').matched).toBe(false);
    expect(createRouteTree('api/:id:int/x').match('api/12/x').params[':id']).toBe('12');
    expect(createRouteTree('api/:id:int/x').match('api/ab/x').matched).toBe(false);
    expect(createRouteTree('api/:id([a-c]+)').match('api/zzbz').params[':id']).toBe('b');
  });

  it('compares decoded segments and rejects malformed escapes', () => {
    expect(createRouteTree('collector/*').match('collector/executions/a%2Fb').params['*']).toBe('executions/a/b');
    expect(createRouteTree('a b/c').match('a%20b/c').matched).toBe(true);
    expect(createRouteTree('collector/*').match('collector/%zz/x').matched).toBe(false);
  });
});

describe('Grafana plugin proxy route choice', () => {
  // The routes and cases of Grafana's TestPluginProxyRoutes.
  const routes: PluginRoute[] = [
    { path: '', method: 'GET', url: 'http://localhost' },
    { path: 'some-api', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances', method: 'GET', url: 'http://localhost/api/instances/' },
    { path: 'some-api/*', method: 'GET', url: 'http://localhost/api' },
    { path: 'some-api/instances/*', method: 'GET', url: 'http://localhost/api/instances' },
    { path: 'some-other-api/*', method: 'GET', url: 'http://localhost/api/v2' },
    { path: 'some-other-api/instances/*', method: 'GET', url: 'http://localhost/api/v2/instances' },
  ];
  const upstreamPath = (proxyPath: string, method = 'GET') => {
    const decision = decideProxy(routes, method, `${PREFIX}${proxyPath}`, '', viewer, noData);
    return decision.kind === 'forward' ? new URL(decision.upstream).pathname : decision.kind;
  };

  it.each([
    ['/notexists', 'no-route'],
    ['/', '/'],
    ['/some-api', '/api'],
    ['/some-api/instances', '/api/instances/'],
    ['/some-api/some/thing', '/api/some/thing'],
    ['/some-api/instances/instance-one', '/api/instances/instance-one'],
    ['/some-other-api/some/thing', '/api/v2/some/thing'],
    ['/some-other-api/instances/instance-one', '/api/v2/instances/instance-one'],
  ])('proxies %s to %s', (proxyPath, expected) => {
    expect(upstreamPath(proxyPath)).toBe(expected);
  });

  it('skips routes of another method, and never matches a method list', () => {
    expect(upstreamPath('/some-api', 'POST')).toBe('no-route');
    const listed = decideProxy(
      [{ path: 'x', method: 'GET,POST', url: 'http://h' }],
      'GET',
      `${PREFIX}/x`,
      '',
      viewer,
      noData
    );
    expect(listed.kind).toBe('no-route');
    const any = decideProxy([{ path: 'x', method: '*', url: 'http://h' }], 'DELETE', `${PREFIX}/x`, '', viewer, noData);
    expect(any.kind).toBe('forward');
  });

  it('denies the first matching route when the role is too low, without trying later ones', () => {
    const guarded: PluginRoute[] = [
      { path: 'x/*', reqRole: 'Admin', url: 'http://h/admin' },
      { path: 'x/*', url: 'http://h/open' },
    ];
    expect(decideProxy(guarded, 'GET', `${PREFIX}/x/y`, '', viewer, noData)).toMatchObject({
      kind: 'denied',
      status: 403,
    });
    const editor = decideProxy(
      guarded,
      'GET',
      `${PREFIX}/x/y`,
      '',
      { orgRole: 'Editor', isGrafanaAdmin: false },
      noData
    );
    expect(editor.kind).toBe('denied');
    const serverAdmin = decideProxy(
      guarded,
      'GET',
      `${PREFIX}/x/y`,
      '',
      { orgRole: 'None', isGrafanaAdmin: true },
      noData
    );
    expect(serverAdmin).toMatchObject({ kind: 'forward', upstream: 'http://h/admin/y' });
    const none = decideProxy(
      [{ path: 'x', reqRole: 'Viewer', url: 'http://h' }],
      'GET',
      `${PREFIX}/x`,
      '',
      { orgRole: 'None', isGrafanaAdmin: false },
      noData
    );
    expect(none.kind).toBe('denied');
  });

  it('keeps the request query, drops the url query, and fills the templates', () => {
    const route: PluginRoute = {
      path: 'c/*',
      url: '{{ .JsonData.base }}/v1?ignored=1',
      headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.key }}' }],
    };
    const decision = decideProxy([route], 'GET', `${PREFIX}/c/a/b`, '?q=1', viewer, {
      JsonData: { base: 'http://up:9' },
      SecureJsonData: { key: 's3cret' },
    });
    expect(decision).toMatchObject({
      kind: 'forward',
      upstream: 'http://up:9/v1/a/b?q=1',
      headers: { authorization: 'Bearer s3cret' },
    });
    const missing = decideProxy([route], 'GET', `${PREFIX}/c/a`, '', viewer, {
      JsonData: { base: 'http://up:9' },
      SecureJsonData: {},
    });
    expect(missing).toMatchObject({ headers: { authorization: 'Bearer <no value>' } });
  });
});
