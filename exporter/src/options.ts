/**
 * The client's options: their types, their defaults (in one visible place) and
 * their validation, done once, in the constructor.
 */
import { CONNECTION_OPTION_NAMES, resolveConnection, type ConnectionOptions, type ResolvedConnection } from './connection-options.js';
import { log } from './log.js';
import type { Platform } from './platform/platform.js';
import { resolveResourceAttributes } from './resource-config.js';
import { integerAtLeast, invalidOption, optionalString } from './validate.js';

/** Options for `new XRay(...)`. Every option is optional except an API key when no `exporter` is given. */
export interface XRayOptions extends ConnectionOptions {
  /** OTel `service.name`: the program that runs the pipelines. Default: `OTEL_SERVICE_NAME`, else `unknown_service`. The X-Ray app is always the API key's. */
  serviceName?: string;
  /** @deprecated Use `serviceName`. The app is decided by the API key; this only ever named the service. */
  appId?: string;
  /** @deprecated Use `serviceName` (alias of `appId`). */
  projectId?: string;
  /** Default pipeline name for `startExecution()`. Default `default`. */
  pipeline?: string;
  /** Environment, e.g. `prod`; sent as `xray.environment` and `deployment.environment.name`. */
  environment?: string;
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
  maxPendingExecutions: 512,
  maxStepsPerExecution: 10_000,
  maxAttributeBytes: 32 * 1024,
} as const;

const KNOWN_OPTIONS = new Set<string>([
  ...CONNECTION_OPTION_NAMES,
  'appId', 'projectId', 'pipeline', 'environment', 'serviceName',
  'maxPendingExecutions', 'maxStepsPerExecution', 'maxAttributeBytes',
]);

/** The client's settings after validation, with defaults applied. */
export interface ResolvedOptions extends ResolvedConnection {
  readonly pipeline: string;
  readonly environment: string | undefined;
  /** Resource attributes, `service.name` always among them. */
  readonly resourceAttributes: Record<string, string>;
  readonly maxPendingExecutions: number;
  readonly maxStepsPerExecution: number;
  readonly maxAttributeBytes: number;
}

/** Validates `options`; throws a TypeError naming the key, value and expectation on the first bad one. */
export function resolveOptions(options: XRayOptions, platform: Platform): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw invalidOption('options', options, 'an object');
  warnUnknown(options, KNOWN_OPTIONS);
  const serviceName = resolveServiceNameOption(options);
  const environment = optionalString('environment', options.environment);
  const maxAttributeBytes = integerAtLeast('maxAttributeBytes', options.maxAttributeBytes, 64, XRAY_DEFAULTS.maxAttributeBytes);
  const connection = resolveConnection(options, platform);
  return {
    ...connection,
    pipeline: optionalString('pipeline', options.pipeline) ?? XRAY_DEFAULTS.pipeline,
    environment,
    resourceAttributes: resolveResourceAttributes(serviceName, environment, platform.env),
    maxPendingExecutions: integerAtLeast('maxPendingExecutions', options.maxPendingExecutions, 1, XRAY_DEFAULTS.maxPendingExecutions),
    maxStepsPerExecution: integerAtLeast('maxStepsPerExecution', options.maxStepsPerExecution, 1, XRAY_DEFAULTS.maxStepsPerExecution),
    maxAttributeBytes,
  };
}

/** `serviceName`, else the deprecated `appId` / `projectId` (which must agree), with a one-time warning. */
export function resolveServiceNameOption(options: { serviceName?: unknown; appId?: unknown; projectId?: unknown }): string | undefined {
  const serviceName = optionalString('serviceName', options.serviceName);
  const appId = optionalString('appId', options.appId);
  const projectId = optionalString('projectId', options.projectId);
  if (appId !== undefined && projectId !== undefined && appId !== projectId) {
    throw invalidOption('projectId', projectId, `the same value as appId ("${appId}") or nothing (it is an alias)`);
  }
  const alias = appId ?? projectId;
  if (alias !== undefined) {
    log.warn(
      `option "${appId !== undefined ? 'appId' : 'projectId'}" is deprecated: the API key decides the X-Ray app; ` +
        'the value is used as serviceName (service.name)',
    );
  }
  return serviceName ?? alias;
}

/** Unknown keys are most likely typos; say so, but do not fail (options may come from a newer version's docs). */
export function warnUnknown(options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (!known.has(key)) log.warn(`unknown option "${key}" ignored`);
  }
}
