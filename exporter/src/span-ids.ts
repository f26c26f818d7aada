/**
 * Span ids for a whole execution at once. `RandomIdGenerator` makes one id
 * per call (two `Math.random()`, a buffer, a hex conversion); building an
 * execution needs one per step, so this makes all of them in one pass and
 * one decode: random words, written as ASCII hex into one byte array, decoded
 * once into a string that each id is a 16-character slice of. Ids are random
 * like OpenTelemetry's (`Math.random`, not a cryptographic source), never all
 * zeros, and runtime-neutral (no Node built-in).
 */

/** ASCII codes of the hex digits. */
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);
const decoder = new TextDecoder();
const TWO_POW_32 = 0x1_0000_0000;

/** `count` span ids of 16 hex characters: id `i` is `ids.slice(16 * i, 16 * i + 16)` (see {@link spanIdAt}). */
export function randomSpanIds(count: number): string {
  const bytes = new Uint8Array(count * 16);
  for (let id = 0; id < count; id++) {
    const high = (Math.random() * TWO_POW_32) >>> 0;
    let low = (Math.random() * TWO_POW_32) >>> 0;
    // An all-zero span id is invalid; as OpenTelemetry does, make it 1.
    if (high === 0 && low === 0) low = 1;
    writeHex(bytes, id * 16, high);
    writeHex(bytes, id * 16 + 8, low);
  }
  return decoder.decode(bytes);
}

/** Id `index` of a string from {@link randomSpanIds}. */
export function spanIdAt(ids: string, index: number): string {
  return ids.slice(index * 16, index * 16 + 16);
}

function writeHex(bytes: Uint8Array, offset: number, word: number): void {
  for (let shift = 28, i = offset; shift >= 0; shift -= 4, i++) bytes[i] = HEX[(word >>> shift) & 0xf] as number;
}
