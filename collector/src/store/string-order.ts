/**
 * The order ClickHouse gives Strings: by their UTF-8 bytes, which is code
 * point order. JavaScript's `<` compares UTF-16 code units and parts from it
 * past a surrogate (an emoji sorts before U+E000..U+FFFF there). Shared by
 * what orders ids or keys as the engine or LMDB does: the list head, step
 * search's hits, the reply store's words, the live tail's positions. Pure.
 */

/** Moves UTF-16 code units so that they compare as code points: surrogates above U+E000..U+FFFF. */
function codePointUnit(unit: number): number {
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

/**
 * Compares two strings as ClickHouse compares Strings: by UTF-8 bytes,
 * which is code point order.
 *
 * @example
 * compareCodePoints('\u{1F600}', '\uFFFD') > 0; // true ('<' in JavaScript)
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? codePointUnit(x) - codePointUnit(y) : x - y;
  }
  return a.length - b.length;
}

/**
 * Compares two (app, word) keys as LMDB orders the reply store's word keys:
 * by the first string, then the second, each by code point.
 *
 * @example
 * compareCodePointPairs(['a', 'z'], ['ab', 'a']) < 0; // true
 */
export function compareCodePointPairs(a: readonly [string, string], b: readonly [string, string]): number {
  return a[0] !== b[0] ? compareCodePoints(a[0], b[0]) : compareCodePoints(a[1], b[1]);
}
