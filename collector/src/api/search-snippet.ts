/**
 * The snippet of a step search hit: the part of the first field (reasoning,
 * then error message, input, output) where the search's terms match, with
 * each match as a `[start, end)` range of the snippet's text (UTF-16 code
 * units, as JavaScript strings index them). Structured rather than marked up
 * in the text, so no client has to escape or parse markers.
 *
 * The terms match here as in SQL (store/step-search.ts: the same word rule,
 * the same prefix and phrase patterns, read here without regular
 * expressions), so the snippet shows why ClickHouse returned the step. Pure.
 */
import { SEARCH_FIELDS, asciiLower, isPrefixIn } from '../store/step-search.js';
import type { SearchField, SearchTerm } from '../store/step-search.js';

export interface SearchSnippet {
  /** `reasoning`, `error.message`, `input` or `output`. */
  field: 'reasoning' | 'error.message' | 'input' | 'output';
  text: string;
  /** Matches in `text`, `[start, end)`, in order, not overlapping. */
  highlights: [number, number][];
  /** Whether `text` starts (ends) inside the field rather than at its start (end). */
  clippedStart: boolean;
  clippedEnd: boolean;
}

/** Characters of context kept before the first match, and the snippet's longest length. */
const BEFORE_CHARS = 60;
const SNIPPET_CHARS = 200;

const FIELD_NAMES: Record<SearchField, SearchSnippet['field']> = {
  reasoning: 'reasoning',
  error_message: 'error.message',
  input: 'input',
  output: 'output',
};

/** A word's UTF-16 code unit as the search tokenizes (store/step-search.ts WORD): an ASCII letter or digit, or any from U+0080. */
function isWordUnit(code: number): boolean {
  return code >= 0x80 || (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}

/**
 * The matches of a term's words in a field, left to right and not
 * overlapping, each as `[start, end)` of its words (at most one with
 * `first`): the first word at a word start (the text's, or after a
 * separator), each next one after one or more separators, and the last one
 * ending a word unless the term is a prefix in the field. The engine's
 * pattern for the term (termPattern in store/step-search.ts), read without a
 * regular expression: every search brings new words, and V8 took ~35 us to
 * compile and first run each of a search's patterns, most of a rare word's
 * hits when it was first searched.
 *
 * `lower` is the field as `asciiLower` leaves it (the same length, ASCII
 * letters lower-cased), so comparing there ignores the case of ASCII letters
 * and of nothing else, as the engine's patterns do; `words` are lower-cased
 * the same way.
 */
function termRanges(lower: string, words: readonly string[], prefix: boolean, first: boolean): [number, number][] {
  const ranges: [number, number][] = [];
  const head = words[0]!;
  for (let at = lower.indexOf(head); at >= 0; at = lower.indexOf(head, at + 1)) {
    if (at > 0 && isWordUnit(lower.charCodeAt(at - 1))) continue;
    let end = at + head.length;
    let whole = true;
    for (let k = 1; k < words.length && whole; k++) {
      let next = end;
      while (next < lower.length && !isWordUnit(lower.charCodeAt(next))) next += 1;
      whole = next > end && lower.startsWith(words[k]!, next);
      end = next + words[k]!.length;
    }
    if (!whole || (!prefix && end < lower.length && isWordUnit(lower.charCodeAt(end)))) continue;
    ranges.push([at, end]);
    if (first) break;
    // The next match starts past this one (a separator after it, then a word).
    at = end - 1;
  }
  return ranges;
}

/**
 * A search's terms as matching reads them, prepared once for every field and
 * hit: each term's words lower-cased as the index compares them, and whether
 * it is a prefix in each field (in SEARCH_FIELDS order).
 */
function prepared(terms: readonly SearchTerm[]): { words: string[]; prefixIn: boolean[] }[] {
  let looked = preparedTerms.get(terms);
  if (!looked) {
    looked = terms.map((term) => ({
      words: (term.kind === 'prefix' ? [term.word] : term.words).map(asciiLower),
      prefixIn: SEARCH_FIELDS.map((field) => isPrefixIn(term, field)),
    }));
    preparedTerms.set(terms, looked);
  }
  return looked;
}
/** Each search's terms prepared once: a page's snippets share its terms. */
const preparedTerms = new WeakMap<readonly SearchTerm[], { words: string[]; prefixIn: boolean[] }[]>();

/** Every match of the prepared terms in a field (`lower`, the field as `asciiLower` leaves it; `field`, its index in SEARCH_FIELDS), sorted, overlaps merged. */
function matchesIn(lower: string, terms: ReturnType<typeof prepared>, field: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (const { words, prefixIn } of terms) ranges.push(...termRanges(lower, words, prefixIn[field]!, false));
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** A step's searched fields, as stored. */
export type SearchFields = Record<SearchField, string>;

/**
 * Each field of a step as `asciiLower` leaves it, by its index in
 * SEARCH_FIELDS, made when first asked for: the matcher and the snippet ask
 * for the same ones, and step search keeps a stored step's fields from one
 * search to the next (api/step-search-index.ts).
 */
const lowerFields = new WeakMap<SearchFields, (string | undefined)[]>();
function lowerField(fields: SearchFields, i: number): string {
  let lowered = lowerFields.get(fields);
  if (!lowered) lowerFields.set(fields, (lowered = []));
  return (lowered[i] ??= asciiLower(fields[SEARCH_FIELDS[i]!]));
}

/**
 * Whether a step matches a search: every term in some field, by the patterns
 * the engine's condition checks (store/step-search.ts). What step search
 * through the index (api/step-search-index.ts) keeps of the steps it finds.
 * The terms are prepared once, for every step checked with the result.
 *
 * @example
 * const matches = stepMatcher([{ kind: 'prefix', word: 'thresh' }]);
 * matches({ reasoning: 'below the threshold', error_message: '', input: '', output: '' }); // true
 */
export function stepMatcher(terms: readonly SearchTerm[]): (fields: SearchFields) => boolean {
  const looked = prepared(terms);
  return (fields) =>
    // Each field lower-cased once, when a term first looks at it.
    looked.every(({ words, prefixIn }) =>
      SEARCH_FIELDS.some((field, i) => fields[field] !== '' && termRanges(lowerField(fields, i), words, prefixIn[i]!, true).length > 0),
    );
}

/** `index` moved off the second half of a surrogate pair. */
function onCharBoundary(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return index > 0 && index < text.length && code >= 0xdc00 && code <= 0xdfff ? index - 1 : index;
}

/**
 * The snippet of a hit, or null when no field holds a match (a search
 * without terms, or a field the search matched in a way this cannot show).
 *
 * @example
 * snippetOf({ reasoning: 'below the threshold', error_message: '', input: '', output: '' }, [{ kind: 'prefix', word: 'thresh' }]);
 * // { field: 'reasoning', text: 'below the threshold', highlights: [[10, 16]], clippedStart: false, clippedEnd: false }
 */
export function snippetOf(fields: SearchFields, terms: readonly SearchTerm[]): SearchSnippet | null {
  if (terms.length === 0) return null;
  const looked = prepared(terms);
  for (const [i, field] of SEARCH_FIELDS.entries()) {
    const text = fields[field];
    if (!text) continue;
    const matches = matchesIn(lowerField(fields, i), looked, i);
    if (matches.length === 0) continue;
    const start = onCharBoundary(text, Math.max(0, matches[0][0] - BEFORE_CHARS));
    const end = onCharBoundary(text, Math.min(text.length, start + SNIPPET_CHARS));
    const highlights = matches
      .filter(([from]) => from < end)
      .map(([from, to]): [number, number] => [from - start, Math.min(to, end) - start]);
    return { field: FIELD_NAMES[field], text: text.slice(start, end), highlights, clippedStart: start > 0, clippedEnd: end < text.length };
  }
  return null;
}
