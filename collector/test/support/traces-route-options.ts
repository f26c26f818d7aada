/**
 * TracesRouteOptions for unit tests of the route and of what wraps it: a
 * known caller with the ingest scope, no rate limit, no signature, and no
 * store. Each test overrides the parts it puts under test.
 */
import type { TracesRouteOptions } from '../../src/ingest/traces-route.js';
import { createMetrics } from '../../src/metrics.js';

export function fakeTracesRouteOptions(overrides: Partial<TracesRouteOptions> = {}): TracesRouteOptions {
  return {
    maxBodyBytes: 1 << 20,
    resolveKey: async () => ({ appId: 'app', keyPrefix: 'xr_testtest', scopes: ['ingest', 'read'] }),
    credentialOf: () => 'key',
    checkRate: async () => ({ allowed: true }),
    checkSignature: async () => ({ ok: true }),
    admitSpans: (spans) => ({ spans, rejectedSpans: 0, rejectionMessages: [] }),
    toRows: () => ({ executions: [], steps: [] }),
    write: async () => {},
    classifyWriteError: () => 'XRAY_ERR_STORE_UNAVAILABLE',
    storeTimeoutMillis: 1000,
    metrics: createMetrics(),
    ...overrides,
  };
}
