/**
 * The test host's HTTP server, standing in for Grafana's server:
 * - serves the host page, the plugin's dist/ under public/plugins/<id>/ and
 *   @grafana/ui's icons under public/build/img/icons/;
 * - keeps the plugin's settings like Grafana's /api/plugins/<id>/settings
 *   (secureJsonData is stored but never returned, only secureJsonFields);
 * - proxies /api/plugin-proxy/<id>/collector/* to jsonData.collectorUrl
 *   adding `Authorization: Bearer <secureJsonData.apiKey>`, as the route in
 *   plugin.json tells Grafana to.
 * Listens on 127.0.0.1, port 0.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import type { AddressInfo } from 'net';
import pluginJson from '../../../src/plugin.json';
import { HOST_BUILD_DIR, HOST_DIR } from './build-host';

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
  path: string;
  status: number;
  injectedAuthorization: boolean;
}

export interface HostServer {
  url: string;
  settings: PluginSettings;
  proxied: ProxiedRequest[];
  close: () => Promise<void>;
}

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

function proxy(req: http.IncomingMessage, res: http.ServerResponse, server: HostServer, rest: string) {
  const { collectorUrl } = server.settings.jsonData;
  if (!collectorUrl) {
    res
      .writeHead(502, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: 'collectorUrl is not set' }));
    return;
  }
  const target = new URL(collectorUrl.replace(/\/+$/, '') + rest);
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
  delete headers.cookie;
  delete headers.authorization;
  const apiKey = server.settings.secureJsonData.apiKey;
  if (apiKey) {
    headers.authorization = `Bearer ${apiKey}`;
  }
  const record: ProxiedRequest = {
    method: req.method ?? 'GET',
    path: rest,
    status: 0,
    injectedAuthorization: Boolean(apiKey),
  };
  server.proxied.push(record);
  const upstream = http.request(target, { method: req.method, headers }, (upstreamRes) => {
    record.status = upstreamRes.statusCode ?? 0;
    res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
    upstreamRes.pipe(res);
  });
  upstream.on('error', (error) => {
    record.status = 502;
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: error.message }));
  });
  req.pipe(upstream);
}

export async function startHostServer(initial: PluginSettings): Promise<HostServer> {
  const server: HostServer = {
    url: '',
    settings: JSON.parse(JSON.stringify(initial)),
    proxied: [],
    close: async () => undefined,
  };
  const settingsPath = `/api/plugins/${PLUGIN_ID}/settings`;
  const proxyPrefix = `/api/plugin-proxy/${PLUGIN_ID}/collector`;

  const httpServer = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const pathname = decodeURIComponent(url.pathname);
    try {
      if (pathname === settingsPath && req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(publicSettings(server.settings)));
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
        proxy(req, res, server, url.pathname.slice(proxyPrefix.length) + url.search);
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
