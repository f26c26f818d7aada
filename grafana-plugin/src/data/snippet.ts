/**
 * Search snippets: the part of a step's text around what matched, cut into
 * segments marked or not, so the page renders each as text (a `<mark>` for
 * a match) and never as HTML. The collector may send a snippet with its
 * match ranges (step search results' `snippet`); without one, the matches
 * are found here the way the collector's search reads words: a word of the
 * search matches at the start of a word of the text, ASCII letters compared
 * case-insensitively. Pure.
 */

export interface TextRange {
  /** Start index in the text (UTF-16 code units, as JavaScript strings count). */
  start: number;
  /** End index, exclusive. */
  end: number;
}

export interface Segment {
  text: string;
  marked: boolean;
}

/** The collector's snippet as text and ranges, with an ellipsis where it was clipped from its field. */
export function fromCollectorSnippet(snippet: {
  text: string;
  highlights: ReadonlyArray<readonly [number, number]>;
  clippedStart: boolean;
  clippedEnd: boolean;
}): { text: string; ranges: TextRange[] } {
  const shift = snippet.clippedStart ? 1 : 0;
  return {
    text: `${snippet.clippedStart ? '…' : ''}${snippet.text}${snippet.clippedEnd ? '…' : ''}`,
    ranges: snippet.highlights.map(([start, end]) => ({ start: start + shift, end: end + shift })),
  };
}

/** Runs of letters and digits and non-ASCII characters: the collector's idea of a word. */
const WORD = /[0-9A-Za-z\u0080-\uFFFF]+/g;

const asciiLower = (text: string) => text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** Sorted, clamped to the text, overlapping and touching ranges merged, empty ones dropped. */
export function normalizeRanges(ranges: readonly TextRange[], length: number): TextRange[] {
  const clamped = ranges
    .map((range) => ({
      start: Math.max(0, Math.min(length, range.start)),
      end: Math.max(0, Math.min(length, range.end)),
    }))
    .filter((range) => range.end > range.start)
    .sort((a, b) => a.start - b.start);
  const merged: TextRange[] = [];
  for (const range of clamped) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/**
 * Where the words of a search start words of the text.
 *
 * @example
 * findWordPrefixMatches('Score below the threshold', 'thresh') // → [{ start: 16, end: 22 }]
 */
export function findWordPrefixMatches(text: string, search: string): TextRange[] {
  const terms = asciiLower(search).match(WORD) ?? [];
  if (terms.length === 0) {
    return [];
  }
  const lower = asciiLower(text);
  const ranges: TextRange[] = [];
  for (const word of lower.matchAll(WORD)) {
    const start = word.index ?? 0;
    for (const term of terms) {
      if (word[0].startsWith(term)) {
        ranges.push({ start, end: start + term.length });
      }
    }
  }
  return normalizeRanges(ranges, text.length);
}

/**
 * The text cut into segments, marked where a range covers it.
 *
 * @example
 * toSegments('below the threshold', [{ start: 10, end: 16 }])
 * // → [{ text: 'below the ', marked: false }, { text: 'thresh', marked: true }, { text: 'old', marked: false }]
 */
export function toSegments(text: string, ranges: readonly TextRange[]): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  for (const range of normalizeRanges(ranges, text.length)) {
    if (range.start > at) {
      segments.push({ text: text.slice(at, range.start), marked: false });
    }
    segments.push({ text: text.slice(range.start, range.end), marked: true });
    at = range.end;
  }
  if (at < text.length || segments.length === 0) {
    segments.push({ text: text.slice(at), marked: false });
  }
  return segments;
}

/**
 * At most `maxChars` of the text around its first match (`…` where cut), the ranges moved with it.
 *
 * @example
 * excerpt('x'.repeat(500) + ' threshold', [{ start: 501, end: 507 }], 40).text.startsWith('…') // true
 */
export function excerpt(
  text: string,
  ranges: readonly TextRange[],
  maxChars = 200
): { text: string; ranges: TextRange[] } {
  const sorted = normalizeRanges(ranges, text.length);
  if (text.length <= maxChars) {
    return { text, ranges: sorted };
  }
  const first = sorted[0]?.start ?? 0;
  const from = Math.max(0, Math.min(first - Math.floor(maxChars / 3), text.length - maxChars));
  const to = Math.min(text.length, from + maxChars);
  const prefix = from > 0 ? '…' : '';
  const suffix = to < text.length ? '…' : '';
  const shift = prefix.length - from;
  return {
    text: `${prefix}${text.slice(from, to)}${suffix}`,
    ranges: normalizeRanges(
      sorted.map((range) => ({ start: range.start + shift, end: range.end + shift })),
      prefix.length + (to - from)
    ).filter((range) => range.start >= prefix.length),
  };
}
