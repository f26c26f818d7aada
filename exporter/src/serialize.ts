/**
 * Turns user values (step input and output, outcome, metadata) into attribute
 * text. Runs once per value when an execution is built, never on the hot path.
 * It cannot throw: circular objects, BigInt, throwing getters and `toJSON`
 * all end as text, and whatever cannot be rendered is replaced and counted.
 */
import type { Attributes } from '@opentelemetry/api';
import { fitsUtf8, truncateUtf8 } from './truncate.js';

export const MIME_JSON = 'application/json';
export const MIME_TEXT = 'text/plain';

/** Counters the serializer bumps; owned by the caller's stats. */
export interface SerializeCounters {
  attributesTruncated: number;
  serializationFailures: number;
}

/** A value ready to become `*.value` / `*.mime_type` attributes. */
export interface SerializedValue {
  readonly text: string;
  readonly mimeType: string;
}

/**
 * Renders `value` for a span attribute: strings pass through as text/plain,
 * everything else becomes JSON. Returns `undefined` for values JSON has no
 * form for (`undefined`, functions, symbols), so the attribute is left out.
 * Text over `maxBytes` is cut; cut JSON is no longer JSON, so it is labelled
 * text/plain.
 */
export function serializeValue(
  value: unknown,
  maxBytes: number,
  counters: SerializeCounters,
): SerializedValue | undefined {
  if (typeof value === 'string') return bound(value, MIME_TEXT, maxBytes, counters);
  const json = toJson(value, counters);
  if (json === undefined) return undefined;
  return bound(json, MIME_JSON, maxBytes, counters);
}

/**
 * Sets `target[valueKey]` and `target[mimeKey]` to what {@link serializeValue}
 * makes of `value` (neither when it returns `undefined`), without the
 * intermediate objects: this runs for the input and the output of every step.
 */
export function setValueAttributes(
  target: Attributes,
  valueKey: string,
  mimeKey: string,
  value: unknown,
  maxBytes: number,
  counters: SerializeCounters,
): void {
  if (value === undefined) return;
  let text: string;
  let mimeType: string;
  if (typeof value === 'string') {
    text = value;
    mimeType = MIME_TEXT;
  } else {
    const json = toJson(value, counters);
    if (json === undefined) return;
    text = json;
    mimeType = MIME_JSON;
  }
  if (!fitsUtf8(text, maxBytes)) {
    const result = truncateUtf8(text, maxBytes);
    if (result.truncated) {
      counters.attributesTruncated++;
      text = result.text;
      mimeType = MIME_TEXT;
    }
  }
  target[valueKey] = text;
  target[mimeKey] = mimeType;
}

/** Like {@link serializeValue} but always JSON (for the JSON-typed execution attributes). */
export function serializeJson(value: unknown, maxBytes: number, counters: SerializeCounters): string | undefined {
  const json = toJson(value, counters);
  if (json === undefined) return undefined;
  return bound(json, MIME_JSON, maxBytes, counters).text;
}

/** Cuts `text` to `maxBytes`, counting the cut. */
export function boundText(text: string, maxBytes: number, counters: SerializeCounters): string {
  return fitsUtf8(text, maxBytes) ? text : bound(text, MIME_TEXT, maxBytes, counters).text;
}

function bound(text: string, mimeType: string, maxBytes: number, counters: SerializeCounters): SerializedValue {
  if (fitsUtf8(text, maxBytes)) return { text, mimeType };
  const result = truncateUtf8(text, maxBytes);
  if (!result.truncated) return { text, mimeType };
  counters.attributesTruncated++;
  return { text: result.text, mimeType: MIME_TEXT };
}

function toJson(value: unknown, counters: SerializeCounters): string | undefined {
  try {
    // Native stringify first: it is several times faster than any replacer and
    // handles the common case of plain data.
    return JSON.stringify(value);
  } catch {
    // Circular structure, BigInt, or a throwing getter / toJSON.
  }
  try {
    return JSON.stringify(value, createSafeReplacer());
  } catch (error) {
    counters.serializationFailures++;
    return JSON.stringify(`[unserializable: ${describe(error)}]`);
  }
}

/**
 * A replacer that renders BigInt as a string, errors as plain objects, and a
 * reference back to an ancestor as "[Circular]". It tracks the ancestor chain
 * (not every object seen) so shared, non-circular references still render.
 */
function createSafeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function replacer(this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    // `this` is the object holding `value`; drop ancestors we have walked out of.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    if (value instanceof Error) return { name: value.name, message: value.message };
    return value;
  };
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'unknown error';
  }
}
