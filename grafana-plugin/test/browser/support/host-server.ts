/**
 * The test host's HTTP server, standing in for Grafana's server:
 * - serves the host page, the plugin's dist/ under public/plugins/<id>/ and
 *   @grafana/ui's icons under public/build/img/icons/;
 * - keeps the plugin's settings like Grafana's /api/plugins/<id>/settings
 *   (secureJsonData is stored but never returned, only secureJsonFields);
 * - only an org Admin (or Grafana server admin) may change them;
 * - proxies /api/plugin-proxy/<id>/... through plugin.json's routes with
 *   Grafana's own semantics (./grafana-plugin-proxy.ts: segment matching,
 *   `*`, `:param`, method, reqRole), for the signed-in user `user` (a
 *   Viewer unless a test says otherwise); what matches no route gets
 *   Grafana's 404 "plugin route match not found".
 * Listens on 127.0.0.1, port 0.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';
import pluginJson from '../../../src/plugin.json';
import { HOST_BUILD_DIR, HOST_DIR } from './build-host';
import { decideProxy, hasRole, type PluginRoute, type ProxyUser } from './grafana-plugin-proxy';

const ROOT = path.resolve(__dirname, '../../..');
const DIST_DIR = path.join(ROOT, 'dist');
const ICONS_DIR = path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');
const PLUGIN_ID = pluginJson.id;

export interface PluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: { collectorUrl?: string };
  secureJsonData: { apiKey?: string };
}

export interface ProxiedRequest {
  method: string;
  /** The upstream path and query (under the collector URL), or the browser's path when nothing matched. */
  path: string;
  status: number;
  injectedAuthorization: boolean;
  /** What Grafana's proxy decided: forwarded, or refused (no route, role too low). */
  decision: 'forward' | 'denied' | 'no-route' | 'bad-template';
}

export interface HostServer {
  url: string;
  settings: PluginSettings;
  /** The signed-in user, as Grafana's proxy checks routes' reqRole against it. */
  user: ProxyUser;
  proxied: ProxiedRequest[];
  /**
   * Fault injection for the live tail's tests, as a Grafana restart would look to the browser: while
   * down, open `/executions/stream` responses are cut and new ones answered 502 Bad Gateway.
   */
  setStreamsDown: (down: boolean) => void;
  close: () => Promise<void>;
}

/** Open stream responses per host, and whether streams are down (see HostServer.setStreamsDown). */
const streamFaults = new WeakMap<HostServer, { down: boolean; open: Set<http.ServerResponse> }>();
const isStream = (path: string) => /\/executions\/stream(\?|$)/.test(path);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.md': 'text/markdown',
  '.map': 'application/json',
};

function serveFile(res: http.ServerResponse, file: string) {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
}

function insideOf(dir: string, relative: string): string {
  const file = path.resolve(dir, `.${path.posix.normalize(`/${relative}`)}`);
  return file.startsWith(dir) ? file : path.join(dir, '__outside__');
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The settings as Grafana returns them: secrets reduced to "is set" flags. */
function publicSettings(settings: PluginSettings) {
  return {
    id: PLUGIN_ID,
    enabled: settings.enabled,
    pinned: settings.pinned,
    jsonData: settings.jsonData,
    secureJsonFields: Object.fromEntries(
      Object.entries(settings.secureJsonData)
        .filter(([, value]) => value)
        .map(([key]) => [key, true])
    ),
  };
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, server: HostServer) {
  const raw = req.url ?? '/';
  const queryAt = raw.indexOf('?');
  const escapedPath = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const search = queryAt === -1 ? '' : raw.slice(queryAt);
  const method = req.method ?? 'GET';
  const decision = decideProxy(pluginJson.routes as PluginRoute[], method, escapedPath, search, server.user, {
    JsonData: server.settings.jsonData,
    SecureJsonData: server.settings.secureJsonData,
  });
  if (decision.kind !== 'forward') {
    server.proxied.push({
      method,
      path: escapedPath,
      status: decision.status,
      injectedAuthorization: false,
      decision: decision.kind,
    });
    res
      .writeHead(decision.status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: decision.message }));
    return;
  }
  const target = new URL(decision.upstream);
  const faults = streamFaults.get(server);
  if (faults && isStream(target.pathname) && faults.down) {
    server.proxied.push({
      method,
      path: target.pathname + target.search,
      status: 502,
      injectedAuthorization: false,
      decision: 'forward',
    });
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad Gateway' }));
    return;
  }
  if (faults && isStream(target.pathname)) {
    faults.open.add(res);
    res.on('close', () => faults.open.delete(res));
  }
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
  delete headers.cookie;
  delete headers.authorization;
  Object.assign(headers, decision.headers);
  const record: ProxiedRequest = {
    method,
    path: target.pathname + target.search,
    status: 0,
    injectedAuthorization: Boolean(server.settings.secureJsonData.apiKey) && 'authorization' in decision.headers,
    decision: 'forward',
  };
  server.proxied.push(record);
  const upstream = http.request(target, { method, headers }, (upstreamRes) => {
    record.status = upstreamRes.statusCode ?? 0;
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    upstreamRes.pipe(res);
  });
  upstream.on('error', (error) => {
    // Grafana's reverse proxy answers 502 Bad Gateway when the upstream cannot be reached.
    record.status = 502;
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: error.message }));
  });
  req.pipe(upstream);
}

const VIEWER: ProxyUser = { orgRole: 'Viewer', isGrafanaAdmin: false };

export async function startHostServer(initial: PluginSettings, user: ProxyUser = VIEWER): Promise<HostServer> {
  const server: HostServer = {
    url: '',
    settings: JSON.parse(JSON.stringify(initial)),
    user,
    proxied: [],
    setStreamsDown: (down) => {
      const faults = streamFaults.get(server)!;
      faults.down = down;
      if (down) {
        for (const response of faults.open) {
          response.destroy();
        }
      }
    },
    close: async () => undefined,
  };
  streamFaults.set(server, { down: false, open: new Set() });
  const settingsPath = `/api/plugins/${PLUGIN_ID}/settings`;
  const proxyPrefix = `/api/plugin-proxy/${PLUGIN_ID}`;

  const httpServer = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const pathname = decodeURIComponent(url.pathname);
    try {
      if (pathname === settingsPath && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(publicSettings(server.settings)));
      } else if (pathname === settingsPath && req.method === 'POST' && !hasRole(server.user, 'Admin')) {
        // Grafana: changing plugin settings needs plugins:write, which only org admins have by default.
        res
          .writeHead(403, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: "You'll need additional permissions to perform this action." }));
      } else if (pathname === settingsPath && req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}');
        server.settings = {
          enabled: body.enabled ?? server.settings.enabled,
          pinned: body.pinned ?? server.settings.pinned,
          jsonData: body.jsonData ?? server.settings.jsonData,
          // Like Grafana: secrets not sent are kept.
          secureJsonData: { ...server.settings.secureJsonData, ...(body.secureJsonData ?? {}) },
        };
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Plugin settings updated' }));
      } else if (pathname === proxyPrefix || pathname.startsWith(`${proxyPrefix}/`)) {
        proxy(req, res, server);
      } else if (pathname.startsWith(`/public/plugins/${PLUGIN_ID}/`)) {
        serveFile(res, insideOf(DIST_DIR, pathname.slice(`/public/plugins/${PLUGIN_ID}/`.length)));
      } else if (pathname.startsWith('/public/build/img/icons/')) {
        serveFile(res, insideOf(ICONS_DIR, pathname.slice('/public/build/img/icons/'.length)));
      } else if (pathname.startsWith('/host/')) {
        serveFile(res, insideOf(HOST_BUILD_DIR, pathname.slice('/host/'.length)));
      } else if (pathname.startsWith('/api/') || pathname.startsWith('/public/')) {
        res.writeHead(404).end('not found');
      } else {
        serveFile(res, path.join(HOST_DIR, 'index.html'));
      }
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });

  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const { port } = httpServer.address() as AddressInfo;
  server.url = `http://127.0.0.1:${port}`;
  server.close = () =>
    new Promise((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    });
  return server;
}
