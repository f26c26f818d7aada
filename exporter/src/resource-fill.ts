/**
 * The span processor cannot choose its spans' resource (the tracer provider
 * does), but a provider built without one reports `unknown_service`. When the
 * processor was given a service name (option or `OTEL_SERVICE_NAME`) or
 * `OTEL_RESOURCE_ATTRIBUTES`, it fills in what the provider's resource lacks,
 * and replaces an `unknown_service…` name. A name the provider set wins.
 */
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME } from './semconv.js';

/**
 * Returns a function mapping a span's resource to the filled one (cached per resource).
 *
 * @example
 * const fill = createResourceFill({ 'service.name': 'loan-api' });
 * fill(span.resource).attributes['service.name']; // 'loan-api' when the provider had none
 */
export function createResourceFill(attributes: Record<string, string>): (resource: Resource) => Resource {
  const cache = new WeakMap<Resource, Resource>();
  return (resource) => {
    const cached = cache.get(resource);
    if (cached !== undefined) return cached;
    const own = resource.attributes;
    const missing: Record<string, string> = {};
    for (const [key, value] of Object.entries(attributes)) {
      const current = own[key];
      const unknownService = key === ATTR_SERVICE_NAME && (typeof current !== 'string' || current.startsWith('unknown_service'));
      if (current === undefined || unknownService) missing[key] = value;
    }
    const filled = Object.keys(missing).length === 0 ? resource : resource.merge(resourceFromAttributes(missing));
    cache.set(resource, filled);
    return filled;
  };
}
