/**
 * Options of the drop-in span processor: where to export (shared with the
 * client) plus how long and how much to buffer. Validated once, in the
 * processor's constructor.
 */
import { CONNECTION_OPTION_NAMES, resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection-options.js';
import { resolveServiceNameOption, warnUnknown } from './options.js';
import type { Platform } from './platform/platform.js';
import { resolveResourceAttributes } from './resource-config.js';
import { integerAtLeast, invalidOption, optionalString } from './validate.js';

/** Options for `new XRaySpanProcessor(...)`. */
export interface XRaySpanProcessorOptions extends ConnectionOptions {
  /**
   * `service.name` for spans whose tracer provider left it unknown (`unknown_service…`).
   * Default: `OTEL_SERVICE_NAME`. The X-Ray app is always the API key's.
   */
  serviceName?: string;
  /** @deprecated Use `serviceName`. The app is decided by the API key. */
  appId?: string;
  /** @deprecated Use `serviceName` (alias of `appId`). */
  projectId?: string;
  /** Pipeline name for roots without an `xray.pipeline` attribute. Default: the root span's name. */
  pipeline?: string;
  /** Environment, set as `xray.environment` on every span that lacks it. */
  environment?: string;
  /** How long to wait, after a root ends, for descendants still running; later ones go in a follow-up batch. Default 2000. */
  graceMillis?: number;
  /** Oldest an execution may get in the buffer; then its ended spans are sent and unfinished ones dropped. Default 300 000. */
  maxTraceAgeMillis?: number;
  /** Executions buffered at once; roots beyond this are dropped with their descendants. Default 1024. */
  maxBufferedTraces?: number;
  /**
   * Spans per execution. Spans started beyond it are kept only if they end
   * failed (up to twice the cap), so a failure is never hidden; the others are
   * dropped and counted in `xray.execution.dropped_steps`. Default 10 000.
   */
  maxSpansPerTrace?: number;
  /** Batches waiting for export; beyond this, new batches are dropped. Default 512. */
  maxPendingBatches?: number;
}

export const SPAN_PROCESSOR_DEFAULTS = {
  graceMillis: 2000,
  maxTraceAgeMillis: 300_000,
  maxBufferedTraces: 1024,
  maxSpansPerTrace: 10_000,
  maxPendingBatches: 512,
} as const;

const KNOWN_OPTIONS = new Set<string>([
  ...CONNECTION_OPTION_NAMES,
  'appId', 'projectId', 'serviceName', 'pipeline', 'environment',
  'graceMillis', 'maxTraceAgeMillis', 'maxBufferedTraces', 'maxSpansPerTrace', 'maxPendingBatches',
]);

/** Processor settings after validation, with defaults applied. */
export interface ResolvedSpanProcessorOptions extends ResolvedConnection {
  /** Resource attributes filled into spans whose provider left them out; undefined when nothing was configured. */
  readonly resourceFill: Record<string, string> | undefined;
  readonly pipeline: string | undefined;
  readonly environment: string | undefined;
  readonly graceMillis: number;
  readonly maxTraceAgeMillis: number;
  readonly maxBufferedTraces: number;
  readonly maxSpansPerTrace: number;
  readonly maxPendingBatches: number;
}

/** Validates `options`; throws a TypeError naming the key, value and expectation on the first bad one. */
export function resolveSpanProcessorOptions(
  options: XRaySpanProcessorOptions,
  platform: Platform,
): ResolvedSpanProcessorOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', options, 'an object');
  warnUnknown(options, KNOWN_OPTIONS);
  const serviceName = resolveServiceNameOption(options);
  const env = platform.env;
  const configured = serviceName !== undefined || [env.OTEL_SERVICE_NAME, env.OTEL_RESOURCE_ATTRIBUTES].some((v) => v !== undefined && v.trim() !== '');
  const graceMillis = integerAtLeast('graceMillis', options.graceMillis, 0, SPAN_PROCESSOR_DEFAULTS.graceMillis);
  const maxTraceAgeMillis = integerAtLeast('maxTraceAgeMillis', options.maxTraceAgeMillis, 1, SPAN_PROCESSOR_DEFAULTS.maxTraceAgeMillis);
  if (maxTraceAgeMillis <= graceMillis) {
    throw invalidOption('maxTraceAgeMillis', maxTraceAgeMillis, `a value greater than graceMillis (${graceMillis})`);
  }
  return {
    ...resolveConnection(options, platform),
    resourceFill: configured ? resolveResourceAttributes(serviceName, undefined, env) : undefined,
    pipeline: optionalString('pipeline', options.pipeline),
    environment: optionalString('environment', options.environment),
    graceMillis,
    maxTraceAgeMillis,
    maxBufferedTraces: integerAtLeast('maxBufferedTraces', options.maxBufferedTraces, 1, SPAN_PROCESSOR_DEFAULTS.maxBufferedTraces),
    maxSpansPerTrace: integerAtLeast('maxSpansPerTrace', options.maxSpansPerTrace, 1, SPAN_PROCESSOR_DEFAULTS.maxSpansPerTrace),
    maxPendingBatches: integerAtLeast('maxPendingBatches', options.maxPendingBatches, 1, SPAN_PROCESSOR_DEFAULTS.maxPendingBatches),
  };
}
