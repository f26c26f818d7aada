/**
 * Option checks shared by the client and the span processor. Each failure is a
 * TypeError whose message names the key, the value received and what was
 * expected, because the constructor is the one place the SDK may throw.
 */

/** Thrown by constructors for an invalid option. */
export function invalidOption(key: string, value: unknown, expected: string, secret = false): TypeError {
  return new TypeError(`@xray/sdk: invalid option "${key}": got ${secret ? '<redacted>' : show(value)}, expected ${expected}`);
}

/** `value` if it is a non-empty string, `undefined` if absent; throws otherwise. */
export function optionalString(key: string, value: unknown, secret = false): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  throw invalidOption(key, value, 'a non-empty string', secret);
}

/** `value` if it is an integer >= `min`, `fallback` if absent; throws otherwise. */
export function integerAtLeast(key: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  throw invalidOption(key, value, `an integer >= ${min}`);
}

/** `value` if it is a string-to-string record, `{}` if absent; throws otherwise. */
export function stringRecord(key: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalidOption(key, value, 'an object of string values');
  for (const [name, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw invalidOption(`${key}.${name}`, item, 'a string');
  }
  return { ...(value as Record<string, string>) };
}

/** Plain object check that does not accept arrays, dates or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
