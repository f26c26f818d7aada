/**
 * Byte-bounded strings. `maxAttributeBytes` counts UTF-8 bytes, because that
 * is what travels over the wire and what the collector limits.
 */

/** Appended to a value that was cut, so a reader knows it is not whole. */
export const TRUNCATION_MARKER = '…[truncated]';
const MARKER_BYTES = Buffer.byteLength(TRUNCATION_MARKER);
const encoder = new TextEncoder();

/** The result of bounding a string: the text to send and whether it was cut. */
export interface BoundedText {
  readonly text: string;
  readonly truncated: boolean;
}

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes, never inside a character, and
 * marks the cut with {@link TRUNCATION_MARKER}.
 */
export function truncateUtf8(text: string, maxBytes: number): BoundedText {
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short strings need no byte count.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  if (Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  const keepBytes = Math.max(0, maxBytes - MARKER_BYTES);
  const buffer = new Uint8Array(keepBytes);
  // encodeInto stops before a character that would not fit whole.
  const { read } = encoder.encodeInto(text, buffer);
  const kept = text.slice(0, read);
  const withMarker = kept + TRUNCATION_MARKER;
  return { text: maxBytes >= MARKER_BYTES ? withMarker : kept, truncated: true };
}
