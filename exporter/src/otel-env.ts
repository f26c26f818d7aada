/**
 * The formats of OpenTelemetry's exporter and resource environment variables
 * (OTel specification, "OpenTelemetry Protocol Exporter" and "Resource SDK"):
 * `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES` are
 * comma-separated `key=value` pairs with percent-encoded values, timeouts are
 * milliseconds, compression is `gzip` or `none`. Pure: the caller passes the
 * environment in. A malformed value throws a TypeError naming the variable.
 */

/** Parses `k1=v1,k2=v2` (values percent-decoded, surrounding spaces trimmed). */
export function parseKeyValueList(variable: string, text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const equals = item.indexOf('=');
    const key = equals > 0 ? item.slice(0, equals).trim() : '';
    if (key === '') throw invalidVariable(variable, text, 'comma-separated key=value pairs');
    result[key] = decode(variable, text, item.slice(equals + 1).trim());
  }
  return result;
}

/** A positive integer number of milliseconds, or undefined when the variable is unset or empty. */
export function parseMillis(variable: string, text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 1) throw invalidVariable(variable, text, 'a positive integer (milliseconds)');
  return value;
}

/** `gzip` or `none`, or undefined when unset or empty. */
export function parseCompression(variable: string, text: string | undefined): 'gzip' | 'none' | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const value = text.trim().toLowerCase();
  if (value === 'gzip' || value === 'none') return value;
  throw invalidVariable(variable, text, '"gzip" or "none"');
}

/** The first non-empty value among `names`, with the name it came from. */
export function firstSet(
  env: Readonly<Record<string, string | undefined>>,
  ...names: string[]
): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value };
  }
  return undefined;
}

function decode(variable: string, text: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalidVariable(variable, text, 'percent-encoded values');
  }
}

function invalidVariable(variable: string, text: string, expected: string): TypeError {
  const shown = variable.endsWith('HEADERS') ? '<redacted>' : JSON.stringify(text);
  return new TypeError(`@xray/sdk: invalid environment variable ${variable}: got ${shown}, expected ${expected}`);
}
