/**
 * The platform in a browser: `fetch` (with `keepalive` for bodies under the
 * browser's 64 KiB keepalive budget, so an export started as the page goes
 * away still completes), CompressionStream for gzip where it exists, no
 * environment, no signing (a secret shipped in a page is no secret), and
 * `pagehide` / hidden-visibility hooks that export what is pending.
 *
 * `sendBeacon` is not used: it cannot carry the Authorization header, and a
 * keepalive fetch is the standard's replacement that can.
 */
import type { HttpRequest, HttpResponse, Platform, ScopeStore } from './platform.js';

/** Chrome and Firefox refuse keepalive requests once 64 KiB are in flight; stay under it. */
const KEEPALIVE_MAX_BYTES = 60 * 1024;

interface PageEvents {
  addEventListener?(type: string, listener: () => void): void;
}
interface DocumentLike extends PageEvents {
  visibilityState?: string;
}

export const browserPlatform: Platform = {
  env: {},
  send: sendWithFetch,
  gzip: typeof CompressionStream === 'function' ? gzipWithStreams : undefined,
  hmacSha256Hex: undefined,
  defer: (fn) => {
    setTimeout(fn, 0);
  },
  setUnrefTimeout: (fn, millis) => {
    const timer = setTimeout(fn, millis);
    return () => clearTimeout(timer);
  },
  stepScope: createSyncScopeStore(),
  onPageHide: (flush) => {
    const page = globalThis as unknown as PageEvents;
    const document = (globalThis as unknown as { document?: DocumentLike }).document;
    page.addEventListener?.('pagehide', flush);
    document?.addEventListener?.('visibilitychange', () => {
      if (document.visibilityState === 'hidden') flush();
    });
  },
};

async function sendWithFetch(request: HttpRequest): Promise<HttpResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMillis);
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      keepalive: request.body.byteLength <= KEEPALIVE_MAX_BYTES,
      credentials: 'omit',
      mode: 'cors',
      signal: controller.signal,
    });
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, body };
  } catch (error) {
    if (controller.signal.aborted) throw Object.assign(new Error(`no answer within ${request.timeoutMillis} ms`), { code: 'ETIMEDOUT' });
    // A CORS refusal and a network failure look the same to a page.
    const message = error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(`${message} (network error, or the collector does not allow this page's origin)`), { code: 'NETWORK' });
  } finally {
    clearTimeout(timer);
  }
}

async function gzipWithStreams(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as unknown as ArrayBuffer]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Browsers have no AsyncLocalStorage: the running `ctx.step` is known during
 * its synchronous part only. After an `await`, new steps attach to the
 * execution (never to a wrong step).
 */
function createSyncScopeStore(): ScopeStore<unknown> {
  let current: unknown;
  return {
    run(scope, fn) {
      const previous = current;
      current = scope;
      try {
        return fn();
      } finally {
        current = previous;
      }
    },
    getStore: () => current,
  };
}
