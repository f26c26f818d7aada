/**
 * The OpenTelemetry resource the SDK's spans carry: `OTEL_RESOURCE_ATTRIBUTES`
 * first, then `service.name` from the `serviceName` option, else
 * `OTEL_SERVICE_NAME`, else the one in `OTEL_RESOURCE_ATTRIBUTES`, else
 * `unknown_service` (the OTel specification's order), and the environment
 * option as `deployment.environment.name`.
 *
 * The service name names the program that ran the pipeline. It is not the
 * X-Ray app: the collector takes the app from the API key, always.
 */
import { parseKeyValueList } from './otel-env.js';
import type { Platform } from './platform/platform.js';
import { ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_SERVICE_NAME } from './semconv.js';

export const UNKNOWN_SERVICE = 'unknown_service';

/**
 * Resource attributes for the given options and environment.
 *
 * @example
 * resolveResourceAttributes('loan-api', 'prod', { OTEL_RESOURCE_ATTRIBUTES: 'team=risk' });
 * // { team: 'risk', 'service.name': 'loan-api', 'deployment.environment.name': 'prod' }
 */
export function resolveResourceAttributes(
  serviceName: string | undefined,
  environment: string | undefined,
  env: Platform['env'],
): Record<string, string> {
  const text = env.OTEL_RESOURCE_ATTRIBUTES;
  const attributes = text !== undefined && text.trim() !== '' ? parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', text) : {};
  const fromEnv = env.OTEL_SERVICE_NAME?.trim();
  attributes[ATTR_SERVICE_NAME] = serviceName ?? (fromEnv || undefined) ?? attributes[ATTR_SERVICE_NAME] ?? UNKNOWN_SERVICE;
  if (environment !== undefined) attributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME] = environment;
  return attributes;
}
