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
import { createFetchExporter, pageLifecycle } from './fetch-exporter.js';
import type { Platform, ScopeStore } from './platform.js';

interface PageEvents {
  addEventListener?(type: string, listener: () => void): void;
}
interface DocumentLike extends PageEvents {
  visibilityState?: string;
}

export const browserPlatform: Platform = {
  env: {},
  createExporter: createFetchExporter,
  canSign: false,
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
    const leave = () => {
      pageLifecycle.leaving = true;
      flush();
    };
    page.addEventListener?.('pagehide', leave);
    // Back from the back/forward cache, or visible again: compress again.
    page.addEventListener?.('pageshow', () => (pageLifecycle.leaving = false));
    document?.addEventListener?.('visibilitychange', () => {
      if (document.visibilityState === 'hidden') leave();
      else pageLifecycle.leaving = false;
    });
  },
};

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
