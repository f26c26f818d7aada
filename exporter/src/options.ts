/**
 * The client's options: their types, their defaults (in one visible place) and
 * their validation, done once, in the constructor.
 */
import { resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection-options.js';
import { log } from './log.js';
import { integerAtLeast, invalidOption, optionalString } from './validate.js';

/** Options for `new XRay(...)`. Every option is optional except an API key when no `exporter` is given. */
export interface XRayOptions extends ConnectionOptions {
  /** Your application's id, sent as `xray.app.id` and the default `service.name`. */
  appId?: string;
  /** Alias of `appId`. */
  projectId?: string;
  /** Default pipeline name for `startExecution()`. Default `default`. */
  pipeline?: string;
  /** Environment, e.g. `prod`; sent as `xray.environment` and `deployment.environment.name`. */
  environment?: string;
  /** OTel `service.name`. Default: `appId`, else `unknown_service`. */
  serviceName?: string;
  /** Completed executions waiting to be exported; beyond this, new ones are dropped. Default 512. */
  maxPendingExecutions?: number;
  /**
   * Steps kept per execution. Beyond it, steps from the middle are given up
   * (counted in `xray.execution.dropped_steps`); the first and last steps and
   * every failed step are kept. Default 10 000, what the collector and the Grafana app show.
   */
  maxStepsPerExecution?: number;
  /** UTF-8 byte cap for any one attribute value (input, output, reasoning, ...). Default 32 KiB. */
  maxAttributeBytes?: number;
}

export const XRAY_DEFAULTS = {
  pipeline: 'default',
  serviceName: 'unknown_service',
  maxPendingExecutions: 512,
  maxStepsPerExecution: 10_000,
  maxAttributeBytes: 32 * 1024,
} as const;

const KNOWN_OPTIONS = new Set([
  'apiKey', 'endpoint', 'headers', 'timeoutMillis', 'maxRequestBytes', 'maxConcurrentExports', 'exporter',
  'appId', 'projectId', 'pipeline', 'environment', 'serviceName',
  'maxPendingExecutions', 'maxStepsPerExecution', 'maxAttributeBytes',
]);

/** The client's settings after validation, with defaults applied. */
export interface ResolvedOptions extends ResolvedConnection {
  readonly appId: string | undefined;
  readonly pipeline: string;
  readonly environment: string | undefined;
  readonly serviceName: string;
  readonly maxPendingExecutions: number;
  readonly maxStepsPerExecution: number;
  readonly maxAttributeBytes: number;
}

/** Validates `options`; throws a TypeError naming the key, value and expectation on the first bad one. */
export function resolveOptions(options: XRayOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', options, 'an object');
  warnUnknown(options);
  const appIdOption = optionalString('appId', options.appId);
  const projectId = optionalString('projectId', options.projectId);
  if (appIdOption !== undefined && projectId !== undefined && appIdOption !== projectId) {
    throw invalidOption('projectId', projectId, `the same value as appId ("${appIdOption}") or nothing (it is an alias)`);
  }
  const appId = appIdOption ?? projectId;
  const maxAttributeBytes = integerAtLeast('maxAttributeBytes', options.maxAttributeBytes, 64, XRAY_DEFAULTS.maxAttributeBytes);
  const connection = resolveConnection(options, env);
  return {
    ...connection,
    appId,
    pipeline: optionalString('pipeline', options.pipeline) ?? XRAY_DEFAULTS.pipeline,
    environment: optionalString('environment', options.environment),
    serviceName: optionalString('serviceName', options.serviceName) ?? appId ?? XRAY_DEFAULTS.serviceName,
    maxPendingExecutions: integerAtLeast('maxPendingExecutions', options.maxPendingExecutions, 1, XRAY_DEFAULTS.maxPendingExecutions),
    maxStepsPerExecution: integerAtLeast('maxStepsPerExecution', options.maxStepsPerExecution, 1, XRAY_DEFAULTS.maxStepsPerExecution),
    maxAttributeBytes,
  };
}

/** Unknown keys are most likely typos; say so, but do not fail (options may come from a newer version's docs). */
function warnUnknown(options: object): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) log.warn(`unknown option "${key}" ignored`);
  }
}
