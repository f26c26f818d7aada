/**
 * The snippet of a step search hit: the part of the first field (reasoning,
 * then error message, input, output) where the search's terms match, with
 * each match as a `[start, end)` range of the snippet's text (UTF-16 code
 * units, as JavaScript strings index them). Structured rather than marked up
 * in the text, so no client has to escape or parse markers.
 *
 * The terms match here as in SQL (store/step-search.ts: the same word rule,
 * the same prefix and phrase patterns), so the snippet shows why ClickHouse
 * returned the step. Pure.
 */
import { SEARCH_FIELDS, isPrefixIn, wordPattern } from '../store/step-search.js';
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

const SEPARATOR = '[^0-9A-Za-z\\u0080-\\uFFFF]';
const FIELD_NAMES: Record<SearchField, SearchSnippet['field']> = {
  reasoning: 'reasoning',
  error_message: 'error.message',
  input: 'input',
  output: 'output',
};

/** Compiled patterns (by words and whether they end a word), shared by the hits of a page and the pages after (matchAll clones its pattern). */
const compiled = new Map<string, RegExp>();
const COMPILED_MAX = 256;

/** The JavaScript form of termPattern (step-search.ts): group 1 is the matched words. */
function termRegExp(term: SearchTerm, field: SearchField): RegExp {
  const words = term.kind === 'prefix' ? [term.word] : term.words;
  const prefix = isPrefixIn(term, field);
  // Words hold no separator, so a space joins them unambiguously.
  const key = `${prefix ? 'p' : 'w'} ${words.join(' ')}`;
  let pattern = compiled.get(key);
  if (!pattern) {
    const body = words.map(wordPattern).join(`${SEPARATOR}+`);
    const end = prefix ? '' : `(?=${SEPARATOR}|$)`;
    if (compiled.size === COMPILED_MAX) compiled.clear();
    compiled.set(key, (pattern = new RegExp(`(?:^|${SEPARATOR})(${body})${end}`, 'g')));
  }
  return pattern;
}

/** Every match of the terms in `text`, sorted, overlaps merged. */
function matchesIn(text: string, terms: readonly SearchTerm[], field: SearchField): [number, number][] {
  const ranges: [number, number][] = [];
  for (const term of terms) {
    for (const match of text.matchAll(termRegExp(term, field))) {
      const end = match.index + match[0].length;
      ranges.push([end - match[1].length, end]);
    }
  }
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
 * Whether a step matches a search: every term in some field, by the patterns
 * the engine's condition checks (store/step-search.ts). What step search
 * through the index (api/step-search-index.ts) keeps of the steps it finds.
 * The patterns are compiled once, for every step checked with the result.
 *
 * @example
 * const matches = stepMatcher([{ kind: 'prefix', word: 'thresh' }]);
 * matches({ reasoning: 'below the threshold', error_message: '', input: '', output: '' }); // true
 */
export function stepMatcher(terms: readonly SearchTerm[]): (fields: SearchFields) => boolean {
  // Without the global flag: test() then keeps no position between calls.
  const patterns = terms.map((term) => SEARCH_FIELDS.map((field) => [field, new RegExp(termRegExp(term, field).source)] as const));
  return (fields) => patterns.every((fieldPatterns) => fieldPatterns.some(([field, pattern]) => fields[field] !== '' && pattern.test(fields[field])));
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
  for (const field of SEARCH_FIELDS) {
    const text = fields[field];
    if (!text) continue;
    const matches = matchesIn(text, terms, field);
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
