/**
 * Rules for turning an OTLP AnyValue into an AttrValue that both decoders
 * share, so a value reads the same whichever encoding carried it.
 */
import type { AttrValue, Attributes } from '../contracts/spans.js';

/**
 * How deep an AnyValue may nest (an array inside an array ... counts one per
 * level; a top-level attribute value is level 1). Real attributes nest a few
 * levels at most; the limit exists so a hostile body cannot make the decoders
 * recurse without bound.
 */
export const MAX_ANY_VALUE_DEPTH = 32;

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * An int64 as a JS number when that is exact, otherwise as its decimal string,
 * so no digit of a large counter or id is silently rounded away.
 */
export function int64ToAttr(value: bigint): number | string {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

/**
 * Sets `key` on an attribute map. A plain assignment of `__proto__` would
 * replace the object's prototype instead of adding a key, so that one key is
 * defined as an ordinary own property. A repeated key keeps the last value.
 */
export function setAttribute(target: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
