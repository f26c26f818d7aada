/**
 * Byte-bounded strings. `maxAttributeBytes` counts UTF-8 bytes, because that
 * is what travels over the wire and what the collector limits.
 */

/** Appended to a value that was cut, so a reader knows it is not whole. */
export const TRUNCATION_MARKER = '…[truncated]';
const encoder = new TextEncoder();
const MARKER_BYTES = encoder.encode(TRUNCATION_MARKER).length;

/** The result of bounding a string: the text to send and whether it was cut. */
export interface BoundedText {
  readonly text: string;
  readonly truncated: boolean;
}

/** True when `text` is surely at most `maxBytes` UTF-8 bytes, from its length alone (a UTF-16 code unit is at most 3 bytes). */
export function fitsUtf8(text: string, maxBytes: number): boolean {
  return text.length * 3 <= maxBytes;
}

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes, never inside a character, and
 * marks the cut with {@link TRUNCATION_MARKER}.
 */
export function truncateUtf8(text: string, maxBytes: number): BoundedText {
  // Short strings need no byte count.
  if (fitsUtf8(text, maxBytes)) return { text, truncated: false };
  if (utf8Length(text) <= maxBytes) return { text, truncated: false };
  const keepBytes = Math.max(0, maxBytes - MARKER_BYTES);
  const buffer = new Uint8Array(keepBytes);
  // encodeInto stops before a character that would not fit whole.
  const { read } = encoder.encodeInto(text, buffer);
  const kept = text.slice(0, read);
  const withMarker = kept + TRUNCATION_MARKER;
  return { text: maxBytes >= MARKER_BYTES ? withMarker : kept, truncated: true };
}

/** UTF-8 bytes of `text` (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
