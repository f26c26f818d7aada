/**
 * Reading typed values out of OTLP attributes, and flattening the attributes
 * that have no column of their own into a Map(String, String).
 */
import type { AttrValue, Attributes } from '../contracts/spans.js';

export function stringAttr(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
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
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Every attribute not in `consumed`, as text (non-strings JSON-encoded). */
export function remainingAttributes(attributes: Attributes, consumed: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
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
