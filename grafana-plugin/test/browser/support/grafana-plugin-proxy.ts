/**
 * How Grafana's app plugin proxy (`/api/plugin-proxy/<plugin id>/...`)
 * chooses a plugin.json route and where it forwards the request, rewritten
 * from grafana/grafana `pkg/api/plugin_proxy.go` and
 * `pkg/api/pluginproxy/pluginproxy.go` so the test host is no kinder than
 * Grafana:
 *
 * - The proxied path is the request's escaped path with
 *   `^/api/plugin-proxy/<id>/?` removed; the query string is not part of it.
 * - Routes are tried in plugin.json order. A route whose `method` is set
 *   (and is not `*`) is skipped unless it equals the request method exactly
 *   (`GET,POST` lists, which the schema mentions, never match anything).
 * - The route's path must match as Grafana's route tree does
 *   (./grafana-route-tree.ts). The first matching route wins; if the user's
 *   role does not reach its `reqRole` the answer is 403 "plugin proxy route
 *   access denied" (no later route is tried). `reqAction` needs Grafana's
 *   RBAC, which the host does not have, so such a route is always denied.
 * - No route: 404 "plugin route match not found".
 * - The upstream URL is the route's `url` (Go template over JsonData and
 *   SecureJsonData) with its path joined to the `*` capture (decoded, so an
 *   escaped `/` in the request becomes a real one upstream), or to nothing
 *   when the route has no `*`; the query string of the request is
 *   kept, the one in the route's url is dropped (only scheme, host and path
 *   are taken from it). Cookies are removed, the route's headers are set.
 */
import { createRouteTree, type RouteParams } from './grafana-route-tree';

export type OrgRole = 'None' | 'Viewer' | 'Editor' | 'Admin';

export interface ProxyUser {
  orgRole: OrgRole;
  isGrafanaAdmin: boolean;
}

export interface PluginRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: string;
  reqAction?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string | undefined>;
}

export type ProxyDecision =
  | { kind: 'forward'; route: PluginRoute; upstream: string; headers: Record<string, string>; params: RouteParams }
  | { kind: 'denied'; status: 403; message: 'plugin proxy route access denied'; route: PluginRoute }
  | { kind: 'no-route'; status: 404; message: 'plugin route match not found' }
  | { kind: 'bad-template'; status: 502; message: string };

const ROLE_RANK: Record<OrgRole, number> = { None: 10, Viewer: 20, Editor: 30, Admin: 40 };

function isRole(value: string | undefined): value is OrgRole {
  return value !== undefined && Object.prototype.hasOwnProperty.call(ROLE_RANK, value);
}

/** Grafana's SignedInUser.HasRole: Grafana server admins have every role, otherwise org-role precedence. */
export function hasRole(user: ProxyUser, role: OrgRole): boolean {
  return user.isGrafanaAdmin || ROLE_RANK[user.orgRole] >= ROLE_RANK[role];
}

function hasAccessToRoute(route: PluginRoute, user: ProxyUser): boolean {
  if (route.reqAction) {
    return false;
  }
  return isRole(route.reqRole) ? hasRole(user, route.reqRole) : true;
}

/** Grafana's extractProxyPath: the escaped request path after `/api/plugin-proxy/<id>/`. */
export function extractProxyPath(escapedPath: string): string {
  return escapedPath.replace(/^\/api\/plugin-proxy\/([\w-]+)\/?/, '');
}

/** Grafana's util.JoinURLFragments. */
export function joinUrlFragments(a: string, b: string): string {
  if (b.length === 0) {
    return a;
  }
  const aSlash = a.endsWith('/');
  const bSlash = b.startsWith('/');
  if (aSlash && bSlash) {
    return a + b.slice(1);
  }
  if (!aSlash && !bSlash) {
    return `${a}/${b}`;
  }
  return a + b;
}

/** The path as Go's URL.EscapedPath writes a decoded path: `/` kept, unreserved and `$&+,:;=@` kept, the rest escaped. */
export function escapePath(decoded: string): string {
  return decoded
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (escape) => decodeURIComponent(escape))
    )
    .join('/');
}

/**
 * The subset of Go's text/template that plugin.json routes use: `{{ .JsonData.key }}` and
 * `{{ .SecureJsonData.key }}`; a missing key prints `<no value>` as Go's template does for maps.
 */
export function interpolate(template: string, data: TemplateData): string {
  return template.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_whole, expression: string) => {
    const found = /^\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)$/.exec(expression);
    if (!found) {
      throw new Error(`template action {{ ${expression} }} is not modelled by the test host`);
    }
    const value = (data[found[1] as keyof TemplateData] as Record<string, unknown>)[found[2]];
    return value === undefined || value === null ? '<no value>' : String(value);
  });
}

/**
 * Decides what Grafana's plugin proxy does with one request.
 *
 * @example
 * decideProxy(pluginJson.routes, 'GET', '/api/plugin-proxy/xray-decisions-app/collector/api/v1/pipelines', '?from=1',
 *   { orgRole: 'Viewer', isGrafanaAdmin: false }, { JsonData: { collectorUrl: 'http://c:4319' }, SecureJsonData: {} })
 */
export function decideProxy(
  routes: readonly PluginRoute[],
  method: string,
  escapedPath: string,
  search: string,
  user: ProxyUser,
  data: TemplateData
): ProxyDecision {
  const proxyPath = extractProxyPath(escapedPath);
  for (const route of routes) {
    if (route.method && route.method !== '*' && route.method !== method) {
      continue;
    }
    const { matched, params } = createRouteTree(route.path).match(proxyPath);
    if (!matched) {
      continue;
    }
    if (!hasAccessToRoute(route, user)) {
      return { kind: 'denied', status: 403, message: 'plugin proxy route access denied', route };
    }
    const forwardedPath = params['*'] ?? '';
    try {
      const target = new URL(interpolate(route.url ?? '', data));
      // Go parses `http://h:1` with an empty path where WHATWG says `/`; both join to the same path.
      const upstream = `${target.protocol}//${target.host}${escapePath(joinUrlFragments(decodeURIComponent(target.pathname), forwardedPath))}${search}`;
      const headers = Object.fromEntries(
        (route.headers ?? []).map((header) => [header.name.toLowerCase(), interpolate(header.content, data)])
      );
      return { kind: 'forward', route, upstream, headers, params };
    } catch (error) {
      // An unset collectorUrl leaves `<no value>/api/...`: Grafana's reverse proxy then fails with 502.
      return { kind: 'bad-template', status: 502, message: `Bad Gateway: ${String(error)}` };
    }
  }
  return { kind: 'no-route', status: 404, message: 'plugin route match not found' };
}
