/**
 * A local HTTP server on 127.0.0.1 that records every request exactly as it
 * arrived (raw body bytes, headers) and answers with whatever the test says.
 * It stands in for the network side of the collector only where the test is
 * about the SDK's bytes and reactions; collector behaviour is tested against
 * the real collector in collector/test/integration.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as it came off the socket (compressed if it was sent compressed). */
  raw: Buffer;
  /** Arrival time (Date.now()). */
  atMillis: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpSink {
  url: string;
  received: ReceivedRequest[];
  /** Decides the reply to each request; default 200 `{}`. Return undefined to never answer. */
  reply: (request: ReceivedRequest, index: number) => Reply | undefined;
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const sockets = new Set<import('node:net').Socket>();
  const sink: HttpSink = {
    url: '',
    received: [],
    reply: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received: ReceivedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        raw: Buffer.concat(chunks),
        atMillis: Date.now(),
      };
      sink.received.push(received);
      const reply = sink.reply(received, sink.received.length - 1);
      if (reply === undefined) return;
      response.writeHead(reply.status, reply.headers ?? {});
      response.end(reply.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return sink;
}

/** The OTLP/JSON request in a received body, gunzipped if needed. */
export function otlpJson(request: ReceivedRequest): {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ spans: Array<{ name: string; attributes: Array<{ key: string }> }> }>;
  }>;
} {
  const bytes = request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.raw) : request.raw;
  return JSON.parse(bytes.toString('utf8'));
}

/** Resource attributes of the first resource in a received OTLP request. */
export function resourceOf(request: ReceivedRequest): Record<string, string | undefined> {
  const attributes = otlpJson(request).resourceSpans[0].resource.attributes;
  return Object.fromEntries(attributes.map((attribute) => [attribute.key, attribute.value.stringValue]));
}
