/**
 * Where exports go and how: the options the client and the span processor
 * share. This is the only module that reads `process.env` (XRAY_API_KEY,
 * XRAY_ENDPOINT), and only for options the caller left out.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createDefaultExporter } from './default-exporter.js';
import { integerAtLeast, invalidOption, optionalString, stringRecord } from './validate.js';

/** Options shared by `XRay` and `XRaySpanProcessor`. */
export interface ConnectionOptions {
  /** API key sent as `Authorization: Bearer <apiKey>`. Default: `XRAY_API_KEY`. Required unless `exporter` is given. */
  apiKey?: string;
  /** Collector base URL; spans go to `${endpoint}/v1/traces`. Default: `XRAY_ENDPOINT`, else `http://localhost:4318`. */
  endpoint?: string;
  /** Extra HTTP headers for every export request. */
  headers?: Record<string, string>;
  /** Time limit for one export request. Default 10 000. */
  timeoutMillis?: number;
  /** Byte cap for one OTLP request; larger executions are split. Default 4 MiB. */
  maxRequestBytes?: number;
  /** Export calls in flight at once. Default 4 with the built-in exporter, 1 with your own `exporter`. */
  maxConcurrentExports?: number;
  /** Advanced: send spans through this exporter instead of OTLP/HTTP (tests use `InMemorySpanExporter`). */
  exporter?: SpanExporter;
}

export const CONNECTION_DEFAULTS = {
  endpoint: 'http://localhost:4318',
  timeoutMillis: 10_000,
  maxRequestBytes: 4 * 1024 * 1024,
  maxConcurrentExports: 4,
  maxConcurrentExportsCustomExporter: 1,
} as const;

/** Validated connection settings with defaults applied. */
export interface ResolvedConnection {
  readonly exporter: SpanExporter;
  /** The collector's base URL and key, for calls other than exports (`xray.score()`); no key with a custom exporter and none given. */
  readonly api: { readonly endpoint: string; readonly apiKey: string | undefined; readonly headers: Record<string, string> };
  readonly timeoutMillis: number;
  readonly maxRequestBytes: number;
  readonly maxConcurrentExports: number;
}

/** Validates the connection options, reads env fallbacks and builds the exporter. Throws on bad input. */
export function resolveConnection(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConnection {
  const timeoutMillis = integerAtLeast('timeoutMillis', options.timeoutMillis, 1, CONNECTION_DEFAULTS.timeoutMillis);
  const maxRequestBytes = integerAtLeast('maxRequestBytes', options.maxRequestBytes, 16 * 1024, CONNECTION_DEFAULTS.maxRequestBytes);
  const custom = options.exporter;
  if (custom !== undefined && !isSpanExporter(custom)) {
    throw invalidOption('exporter', custom, 'a SpanExporter (an object with export() and shutdown())');
  }
  const maxConcurrentExports = integerAtLeast(
    'maxConcurrentExports',
    options.maxConcurrentExports,
    1,
    custom === undefined ? CONNECTION_DEFAULTS.maxConcurrentExports : CONNECTION_DEFAULTS.maxConcurrentExportsCustomExporter,
  );
  const headers = stringRecord('headers', options.headers);
  const apiKey = optionalString('apiKey', options.apiKey, true) ?? nonEmpty(env.XRAY_API_KEY);
  const endpoint = resolveEndpoint(optionalString('endpoint', options.endpoint) ?? nonEmpty(env.XRAY_ENDPOINT));
  const api = { endpoint, apiKey, headers };
  if (custom !== undefined) return { exporter: custom, api, timeoutMillis, maxRequestBytes, maxConcurrentExports };
  if (apiKey === undefined) {
    throw invalidOption('apiKey', undefined, 'a non-empty string (pass apiKey or set XRAY_API_KEY)');
  }
  const exporter = createDefaultExporter({ tracesUrl: `${endpoint}/v1/traces`, apiKey, headers, timeoutMillis });
  return { exporter, api, timeoutMillis, maxRequestBytes, maxConcurrentExports };
}

function resolveEndpoint(endpoint: string | undefined): string {
  if (endpoint === undefined) return CONNECTION_DEFAULTS.endpoint;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidOption('endpoint', endpoint, 'an http(s) URL such as "http://localhost:4318"');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption('endpoint', endpoint, 'an http(s) URL such as "http://localhost:4318"');
  }
  // Accept the full traces URL too, so `${endpoint}/v1/traces` is never doubled.
  return endpoint.replace(/\/+$/, '').replace(/\/v1\/traces$/, '');
}

function isSpanExporter(value: unknown): value is SpanExporter {
  const candidate = value as Partial<SpanExporter> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.export === 'function' &&
    typeof candidate.shutdown === 'function'
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
