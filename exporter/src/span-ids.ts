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
/** Whether a Uint16Array stores its low byte first (it follows the platform's byte order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** The two hex digits of each byte value, as one 16-bit store in the platform's byte order: half the writes of one digit at a time. */
const HEX_PAIRS = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  const high = HEX[byte >>> 4] as number;
  const low = HEX[byte & 0xf] as number;
  HEX_PAIRS[byte] = LITTLE_ENDIAN ? high | (low << 8) : (high << 8) | low;
}
const decoder = new TextDecoder();
const TWO_POW_32 = 0x1_0000_0000;

/** `count` span ids of 16 hex characters: id `i` is `ids.slice(16 * i, 16 * i + 16)` (see {@link spanIdAt}). */
export function randomSpanIds(count: number): string {
  const bytes = new Uint8Array(count * 16);
  const pairs = new Uint16Array(bytes.buffer);
  for (let id = 0; id < count; id++) {
    const high = (Math.random() * TWO_POW_32) >>> 0;
    let low = (Math.random() * TWO_POW_32) >>> 0;
    // An all-zero span id is invalid; as OpenTelemetry does, make it 1.
    if (high === 0 && low === 0) low = 1;
    writeHex(pairs, id * 8, high);
    writeHex(pairs, id * 8 + 4, low);
  }
  return decoder.decode(bytes);
}

/** Id `index` of a string from {@link randomSpanIds}. */
export function spanIdAt(ids: string, index: number): string {
  return ids.slice(index * 16, index * 16 + 16);
}

/** The 8 hex digits of a 32-bit word, as 4 digit pairs from `offset` (in pairs). */
function writeHex(pairs: Uint16Array, offset: number, word: number): void {
  pairs[offset] = HEX_PAIRS[word >>> 24] as number;
  pairs[offset + 1] = HEX_PAIRS[(word >>> 16) & 0xff] as number;
  pairs[offset + 2] = HEX_PAIRS[(word >>> 8) & 0xff] as number;
  pairs[offset + 3] = HEX_PAIRS[word & 0xff] as number;
}
