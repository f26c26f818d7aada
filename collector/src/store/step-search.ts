/**
 * Step search: the words of a search (`thresh "credit score below"`) and the
 * indexed SQL condition that finds them in a step's reasoning, error message,
 * input and output (migration 0140).
 *
 * Words are what ClickHouse's `splitByNonAlpha` tokenizer makes of a text:
 * runs of ASCII letters and digits and non-ASCII characters, compared with
 * ASCII letters lower-cased (the indexes are on `lower(...)`). Two `text`
 * indexes serve every field: one over the words that explain a decision
 * (reasoning and error message, EXPLANATION_WORDS) and one over its payloads
 * (input and output, PAYLOAD_WORDS). Each is one dictionary per part, so a
 * search looks up two dictionaries per part instead of four; the field a word
 * was found in is checked on the granules the index leaves. A search is a
 * list of terms, every one of which must match somewhere in the step:
 *
 * - a bare word matches as a word prefix in reasoning and error messages
 *   (`thresh` finds `threshold`), read through the explanation index's
 *   dictionary (`... LIKE '%thresh%'`), then checked at a word start; in
 *   input and output it matches a whole word (their dictionary holds every
 *   id and number of every payload, too many to scan: a dictionary lookup,
 *   exact, answered by the index alone). Words shorter than PREFIX_MIN_CHARS
 *   match whole words everywhere (ClickHouse scans the dictionary for 4
 *   characters or more).
 * - a quoted phrase, or a bare word the tokenizer splits (`A-1042`), matches
 *   those words consecutively (separated by anything but word characters),
 *   whole, within one field: all its words through the index, then the
 *   sequence by a regular expression on the granules left.
 *
 * Pure: no I/O. Values travel as bound parameters.
 */
import type { Conditions } from './sql.js';

/** A term of a search: a word prefix, or consecutive whole words. */
export type SearchTerm = { kind: 'prefix'; word: string } | { kind: 'phrase'; words: string[] };

/** Prefixes shorter than this match whole words (ClickHouse's `text_index_like_min_pattern_length`). */
export const PREFIX_MIN_CHARS = 4;
/** At most this many terms in one search. */
export const MAX_SEARCH_TERMS = 8;

/** The searchable fields, in the order a snippet prefers them. */
export const SEARCH_FIELDS = ['reasoning', 'error_message', 'input', 'output'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];
/** Fields where a bare word matches as a prefix (the others: whole words). */
const PREFIX_FIELDS: ReadonlySet<SearchField> = new Set(['reasoning', 'error_message']);

/**
 * The indexed expressions of migration 0140, written exactly as there: a
 * condition uses an index only when its expression is the index's.
 * Separated by a space, the two fields of each never join into one word.
 */
export const EXPLANATION_WORDS = "lower(concat(reasoning, ' ', error_message))";
export const PAYLOAD_WORDS = "lower(concat(input, ' ', output))";
/** Each index's fields: explanation fields match prefixes, payload fields whole words. */
const INDEXED_GROUPS = [
  { expression: EXPLANATION_WORDS, fields: ['reasoning', 'error_message'] },
  { expression: PAYLOAD_WORDS, fields: ['input', 'output'] },
] as const satisfies readonly { expression: string; fields: readonly SearchField[] }[];

/** A word character for `splitByNonAlpha`: an ASCII letter or digit, or any non-ASCII character. */
const WORD = /[0-9A-Za-z\u0080-\uFFFF]+/g;
/** What separates words, as an RE2 class (the same rule as WORD). */
const SEPARATOR = '[^0-9A-Za-z\\x{80}-\\x{10FFFF}]';

/** Any character outside ASCII, whose case `toLowerCase()` would change too. */
const NON_ASCII = /[^\u0000-\u007f]/;

/** ASCII letters lower-cased, the rest unchanged: what ClickHouse's `lower()` does. */
export function asciiLower(text: string): string {
  // An ASCII text lower-cases natively (the reply builder tokenizes every stored step's fields).
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/** The words of `text`, as the index tokenizes them (lower-cased). */
export function searchWords(text: string): string[] {
  return asciiLower(text).match(WORD) ?? [];
}

export type ParsedSearch = { ok: true; terms: SearchTerm[] } | { ok: false; message: string };

/**
 * The terms of a search text: `"…"` is a phrase (an unclosed quote runs to
 * the end), every other whitespace-separated word a prefix (or a phrase when
 * it holds several words, like `A-1042`).
 *
 * @example
 * parseSearch('thresh "credit score below"');
 * // { ok: true, terms: [{ kind: 'prefix', word: 'thresh' }, { kind: 'phrase', words: ['credit', 'score', 'below'] }] }
 */
export function parseSearch(text: string): ParsedSearch {
  const terms: SearchTerm[] = [];
  const parts = text.split('"');
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      const words = searchWords(part);
      if (words.length > 0) terms.push({ kind: 'phrase', words });
      return;
    }
    for (const chunk of part.split(/\s+/)) {
      const words = searchWords(chunk);
      if (words.length === 1) terms.push({ kind: 'prefix', word: words[0] });
      else if (words.length > 1) terms.push({ kind: 'phrase', words });
    }
  });
  if (terms.length === 0) return { ok: false, message: `the search ${JSON.stringify(text)} has no words (letters or digits) to look for` };
  if (terms.length > MAX_SEARCH_TERMS) {
    return { ok: false, message: `the search has ${terms.length} terms; at most ${MAX_SEARCH_TERMS} (words or "quoted phrases") are allowed` };
  }
  return { ok: true, terms };
}

/** Whether a term is a word long enough to match as a prefix: PREFIX_MIN_CHARS characters (code points, so `😀ab` is 3). */
function isLongPrefix(term: SearchTerm): term is { kind: 'prefix'; word: string } {
  if (term.kind !== 'prefix') return false;
  let chars = 0;
  for (const _ of term.word) if (++chars >= PREFIX_MIN_CHARS) return true;
  return false;
}

/** Whether a term matches as a prefix in `field`. */
export function isPrefixIn(term: SearchTerm, field: SearchField): boolean {
  return isLongPrefix(term) && PREFIX_FIELDS.has(field);
}

/**
 * A word as a regular expression that ignores the case of ASCII letters and
 * of nothing else (`École` -> `É[cC][oO][lL][eE]`), as the indexes compare
 * words: `lower()` changes ASCII letters only. RE2's and JavaScript's
 * case-insensitive flags would fold `É` to `é` too, and find in one field, on
 * a granule the index kept for a word elsewhere in the step, a word the index
 * treats as another. Metacharacters are escaped (words hold none; kept so the
 * pattern never depends on that). RE2 and JavaScript read it alike.
 *
 * @example
 * wordPattern('école'); // 'é[cC][oO][lL][eE]'
 */
export function wordPattern(word: string): string {
  return word.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&').replace(/[A-Za-z]/g, (letter) => `[${letter.toLowerCase()}${letter.toUpperCase()}]`);
}

/**
 * The RE2 pattern (ASCII letters in any case) a term's match satisfies in
 * `field`: a word start then the prefix, or the phrase's words whole and
 * consecutive. Also used, in JavaScript form, to mark the snippet
 * (api/search-snippet.ts).
 */
export function termPattern(term: SearchTerm, field: SearchField): string {
  const words = term.kind === 'prefix' ? [term.word] : term.words;
  const body = words.map(wordPattern).join(`${SEPARATOR}+`);
  return isPrefixIn(term, field) ? `(?:^|${SEPARATOR})${body}` : `(?:^|${SEPARATOR})${body}(?:${SEPARATOR}|$)`;
}

/** The fields' regular-expression checks of a term, any of them. */
function fieldChecks(fields: readonly SearchField[], name: string): string {
  const checks = fields.map((field) => `match(${field}, {${name}_${field}:String})`);
  return checks.length === 1 ? checks[0] : `(${checks.join(' OR ')})`;
}

/**
 * One index's condition for a term; the index-served part first, then the
 * check of the field it must be found in (none for a whole word of the
 * payloads: the dictionary lookup is exact, answered by the index).
 */
function groupCondition(term: SearchTerm, group: (typeof INDEXED_GROUPS)[number], name: string): string {
  const fields: readonly SearchField[] = group.fields;
  if (isPrefixIn(term, fields[0])) return `(${group.expression} LIKE {${name}Like:String} AND ${fieldChecks(fields, name)})`;
  if (term.kind === 'prefix') return `hasAnyTokens(${group.expression}, {${name}Words:Array(String)})`;
  return `(hasAllTokens(${group.expression}, {${name}Words:Array(String)}) AND ${fieldChecks(fields, name)})`;
}

/**
 * The WHERE condition on `steps` for a search's terms: every term in some
 * field. Each half is served by its text index (a disjunction of indexes
 * still prunes granules), so only granules holding the words are read.
 * Parameter names start with `prefix`.
 *
 * @example
 * const { sql, params } = stepSearchCondition(parsed.terms, 'search');
 */
export function stepSearchCondition(terms: readonly SearchTerm[], prefix: string): { sql: string; params: Record<string, string | string[]> } {
  const params: Record<string, string | string[]> = {};
  const clauses = terms.map((term, index) => {
    const name = `${prefix}${index}`;
    params[`${name}Words`] = term.kind === 'prefix' ? [term.word] : term.words;
    if (isLongPrefix(term)) params[`${name}Like`] = `%${term.word}%`;
    for (const field of SEARCH_FIELDS) {
      if (term.kind === 'phrase' || isPrefixIn(term, field)) params[`${name}_${field}`] = termPattern(term, field);
    }
    return `(${INDEXED_GROUPS.map((group) => groupCondition(term, group, name)).join('\n    OR ')})`;
  });
  return { sql: clauses.join('\n  AND '), params };
}

/**
 * Adds a search's condition to `where` (parameters named `search…`). The
 * route has validated the text; a text without words adds nothing.
 */
export function addSearch(where: Conditions, text: string | undefined): void {
  if (!text) return;
  const parsed = parseSearch(text);
  if (!parsed.ok) return;
  const search = stepSearchCondition(parsed.terms, 'search');
  where.add(search.sql, search.params);
}
