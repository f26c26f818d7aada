/**
 * Reading typed values out of OTLP attributes, and flattening the attributes
 * that have no column of their own into a Map(String, String).
 *
 * Every key survives, `__proto__` and `constructor` included (the map has no
 * prototype), and every double: NaN and ±Infinity have no JSON number form,
 * so they are written as the strings "NaN", "Infinity" and "-Infinity", the
 * proto3 JSON mapping's spelling, both as a value of their own and inside
 * arrays and kvlists (clickhouse/README.md documents this).
 */
import type { AttrValue, Attributes } from '../contracts/spans.js';

/** JSON.stringify, but a non-finite number becomes its proto3 JSON string instead of null. */
function toJson(value: AttrValue): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'number' && !Number.isFinite(item) ? String(item) : item));
}

export function stringAttr(attributes: Attributes, key: string): string | undefined {
  if (!Object.hasOwn(attributes, key)) return undefined;
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  return toText(value);
}

export function numberAttr(attributes: Attributes, key: string): number | undefined {
  const value = attributes[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function boolAttr(attributes: Attributes, key: string): boolean | undefined {
  const value = attributes[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function toText(value: AttrValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  return toJson(value);
}

/** Every attribute not in `consumed`, as text (non-strings JSON-encoded); a map with no prototype, so any key is kept. */
export function remainingAttributes(attributes: Attributes, consumed: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(attributes)) {
    if (!consumed.has(key) && value !== null && value !== undefined) out[key] = toText(value);
  }
  return out;
}

/** Clamps a number into UInt32 range (token counts, counters). */
export function toUInt32(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value) || value < 0) return 0;
  return Math.min(Math.trunc(value), 0xffffffff);
}
