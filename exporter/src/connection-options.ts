/**
 * Where exports go and how: the options the client and the span processor
 * share, resolved once with a documented precedence: the constructor option,
 * then the `XRAY_*` variable, then the `OTEL_*` variable, then the default.
 * Environment variables are read from the platform (none in a browser).
 *
 * | setting     | option          | XRAY_*              | OTEL_* (traces-specific first)                                      |
 * |-------------|-----------------|---------------------|----------------------------------------------------------------------|
 * | URL         | `endpoint`      | XRAY_ENDPOINT       | OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (as is), OTEL_EXPORTER_OTLP_ENDPOINT (+ /v1/traces) |
 * | key         | `apiKey`        | XRAY_API_KEY        | an authorization or x-api-key header in the OTEL headers             |
 * | headers     | `headers`       |                     | OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_HEADERS        |
 * | timeout     | `timeoutMillis` |                     | OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT        |
 * | compression | `compression`   |                     | OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, OTEL_EXPORTER_OTLP_COMPRESSION |
 * | signing     | `signingSecret` | XRAY_SIGNING_SECRET |                                                                      |
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { XRayExportError } from './export-error.js';
import { createExportErrorReporter, type ErrorHandler, type ExportErrorReporter } from './export-error-reporter.js';
import { firstSet, parseCompression, parseKeyValueList, parseMillis } from './otel-env.js';
import type { OtlpHttpExporterCounters, Platform } from './platform/platform.js';
import { integerAtLeast, invalidOption, optionalString, stringRecord } from './validate.js';

/** Options shared by `XRay` and `XRaySpanProcessor`. */
export interface ConnectionOptions {
  /** API key sent as `Authorization: Bearer <apiKey>`. Default: `XRAY_API_KEY`, else a key in `OTEL_EXPORTER_OTLP_HEADERS`. Required unless `exporter` is given. */
  apiKey?: string;
  /** Collector base URL; spans go to `${endpoint}/v1/traces`. Default: `XRAY_ENDPOINT`, else the OTel variables, else `http://localhost:4318`. */
  endpoint?: string;
  /** Extra HTTP headers for every export request (over those of `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** Time limit for one export, retries included. Default: `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10 000. */
  timeoutMillis?: number;
  /** `gzip` or `none`. Default: `OTEL_EXPORTER_OTLP_COMPRESSION`, else `none`. */
  compression?: 'gzip' | 'none';
  /** Signs every request (`x-xray-signature`, HMAC-SHA256 of the body) for a collector that requires it. Default: `XRAY_SIGNING_SECRET`. Node only. */
  signingSecret?: string;
  /** Called with the first failure of each kind (e.g. `XRAY_ERR_AUTH_INVALID_KEY`, `ECONNREFUSED`); see `XRayExportError`. */
  onError?: (error: XRayExportError) => void;
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
  compression: 'none',
  maxRequestBytes: 4 * 1024 * 1024,
  maxConcurrentExports: 4,
  maxConcurrentExportsCustomExporter: 1,
} as const;

export const CONNECTION_OPTION_NAMES = [
  'apiKey', 'endpoint', 'headers', 'timeoutMillis', 'compression', 'signingSecret', 'onError',
  'maxRequestBytes', 'maxConcurrentExports', 'exporter',
] as const;

/** Validated connection settings with defaults applied. */
export interface ResolvedConnection {
  readonly exporter: SpanExporter;
  /** The collector's base URL and key, for calls other than exports (`xray.score()`); no key with a custom exporter and none given. */
  readonly api: { readonly endpoint: string; readonly apiKey: string | undefined; readonly headers: Record<string, string> };
  readonly timeoutMillis: number;
  readonly maxRequestBytes: number;
  readonly maxConcurrentExports: number;
  readonly reporter: ExportErrorReporter;
  /** The built-in exporter's counters; undefined with your own `exporter`. */
  readonly exporterCounters: OtlpHttpExporterCounters | undefined;
}

/** Validates the connection options, reads env fallbacks and builds the exporter. Throws on bad input. */
export function resolveConnection(options: ConnectionOptions, platform: Platform): ResolvedConnection {
  const env = platform.env;
  const timeoutMillis = integerAtLeast('timeoutMillis', options.timeoutMillis, 1, otelTimeout(env) ?? CONNECTION_DEFAULTS.timeoutMillis);
  const maxRequestBytes = integerAtLeast('maxRequestBytes', options.maxRequestBytes, 16 * 1024, CONNECTION_DEFAULTS.maxRequestBytes);
  const onError = options.onError;
  if (onError !== undefined && typeof onError !== 'function') throw invalidOption('onError', onError, 'a function');
  const reporter = createExportErrorReporter(onError as ErrorHandler | undefined);
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
  const compression = resolveCompression(options.compression, env);
  const signingSecret = optionalString('signingSecret', options.signingSecret, true) ?? nonEmpty(env.XRAY_SIGNING_SECRET);
  const headers = resolveHeaders(options, env);
  const tracesUrl = resolveTracesUrl(optionalString('endpoint', options.endpoint), env);
  const base = { timeoutMillis, maxRequestBytes, maxConcurrentExports, reporter, api: scoreTarget(tracesUrl, headers) };
  if (custom !== undefined) return { ...base, exporter: custom, exporterCounters: undefined };
  if (headers.authorization === undefined && headers['x-api-key'] === undefined) {
    throw invalidOption('apiKey', undefined, 'a non-empty string (pass apiKey, set XRAY_API_KEY, or put x-api-key in OTEL_EXPORTER_OTLP_HEADERS)');
  }
  if (signingSecret !== undefined && !platform.canSign) {
    throw invalidOption('signingSecret', undefined, 'nothing in a browser: a secret shipped in a page is not a secret', true);
  }
  const exporter = platform.createExporter({ tracesUrl, headers, timeoutMillis, compression, signingSecret, reporter });
  return { ...base, exporter, exporterCounters: exporter.counters };
}

/** OTEL headers, then the API key (option, else XRAY_API_KEY), then the option's headers; names in lowercase. */
function resolveHeaders(options: ConnectionOptions, env: Platform['env']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') Object.assign(headers, lowercaseKeys(parseKeyValueList(name, value)));
  }
  const apiKey = optionalString('apiKey', options.apiKey, true) ?? nonEmpty(env.XRAY_API_KEY);
  if (apiKey !== undefined) {
    delete headers['x-api-key'];
    headers.authorization = `Bearer ${apiKey}`;
  }
  return Object.assign(headers, lowercaseKeys(stringRecord('headers', options.headers)));
}

/** The full traces URL. A base endpoint gets `/v1/traces`; OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is. */
function resolveTracesUrl(endpoint: string | undefined, env: Platform['env']): string {
  if (endpoint !== undefined) return withTracesPath('endpoint', endpoint, true);
  const xray = nonEmpty(env.XRAY_ENDPOINT);
  if (xray !== undefined) return withTracesPath('XRAY_ENDPOINT', xray, true);
  const traces = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (traces !== undefined) return withTracesPath('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces, false);
  const otel = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (otel !== undefined) return withTracesPath('OTEL_EXPORTER_OTLP_ENDPOINT', otel, true);
  return `${CONNECTION_DEFAULTS.endpoint}/v1/traces`;
}

function withTracesPath(source: string, endpoint: string, isBase: boolean): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidOption(source, endpoint, 'an http(s) URL such as "http://localhost:4318"');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidOption(source, endpoint, 'an http(s) URL such as "http://localhost:4318"');
  }
  if (!isBase) return endpoint;
  // A base URL that already ends in /v1/traces is accepted, so the path is never doubled.
  return `${endpoint.replace(/\/+$/, '').replace(/\/v1\/traces$/, '')}/v1/traces`;
}

function resolveCompression(option: unknown, env: Platform['env']): 'gzip' | 'none' {
  if (option !== undefined) {
    if (option === 'gzip' || option === 'none') return option;
    throw invalidOption('compression', option, '"gzip" or "none"');
  }
  const set = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
  return (set && parseCompression(set.name, set.value)) ?? CONNECTION_DEFAULTS.compression;
}

function otelTimeout(env: Platform['env']): number | undefined {
  const set = firstSet(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT');
  return set && parseMillis(set.name, set.value);
}

function lowercaseKeys(record: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) result[key.toLowerCase()] = value;
  return result;
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
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Where `xray.score()` calls: the collector's base URL (the traces URL
 * without `/v1/traces`) and the key the exports use, whichever way it was
 * given (apiKey, XRAY_API_KEY, or OTEL_EXPORTER_OTLP_HEADERS).
 */
function scoreTarget(tracesUrl: string, headers: Record<string, string>): ResolvedConnection['api'] {
  const { authorization, 'x-api-key': xApiKey, ...rest } = headers;
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
  return { endpoint: tracesUrl.replace(/\/v1\/traces\/?$/, ''), apiKey: xApiKey ?? bearer, headers: rest };
}
