/**
 * The platform under Node: `node:http`/`node:https` for requests, zlib for
 * gzip, `node:crypto` for signatures, AsyncLocalStorage for `ctx.step`
 * nesting, `process.env` for configuration. Retry and watchdog timers are
 * unref'd; a request in flight keeps the process up to its timeout, so a
 * script that ends right after `completeExecution()` still delivers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gzip } from 'node:zlib';
import type { HttpRequest, HttpResponse, Platform, ScopeStore } from './platform.js';

/** Bytes of a response body read; the rest is discarded (a reply is a short status). */
const MAX_RESPONSE_BYTES = 64 * 1024;

export const nodePlatform: Platform = {
  env: process.env,
  send: sendWithNodeHttp,
  gzip: (bytes) =>
    new Promise((resolve, reject) => {
      gzip(bytes, (error, result) => (error ? reject(error) : resolve(result)));
    }),
  hmacSha256Hex: async (secret, parts) => {
    const hmac = createHmac('sha256', secret);
    for (const part of parts) hmac.update(part);
    return hmac.digest('hex');
  },
  defer: (fn) => {
    setImmediate(fn);
  },
  setUnrefTimeout: (fn, millis) => {
    const timer = setTimeout(fn, millis);
    timer.unref();
    return () => clearTimeout(timer);
  },
  stepScope: new AsyncLocalStorage<unknown>() satisfies ScopeStore<unknown>,
};

function sendWithNodeHttp(request: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(request.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-length': String(request.body.byteLength) },
    });
    req.setTimeout(request.timeoutMillis, () => {
      req.destroy(Object.assign(new Error(`no answer within ${request.timeoutMillis} ms`), { code: 'ETIMEDOUT' }));
    });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES);
        resolve({
          status: res.statusCode ?? 0,
          header: (name) => {
            const value = res.headers[name.toLowerCase()];
            return Array.isArray(value) ? value.join(', ') : value;
          },
          body,
        });
      });
    });
    req.end(request.body);
  });
}
