/**
 * Business keys ("find applicant A-1042"): `key=value` filters the collector
 * matches against an execution's attributes and the top-level keys of its
 * metadata (`where=applicantId=A-1042`, repeatable, all must hold), and
 * `score.<name>=<value>` filters on the execution's latest score. Pure: what
 * the URL holds and what a person typed, validated as the collector will.
 */
import type { UrlQueryMap } from '@grafana/data';

/** The collector's limit on `where` conditions per request. */
export const MAX_BUSINESS_KEYS = 8;
const MAX_PAIR_LENGTH = 1024;
const SCORE_KEY = /^score\.([A-Za-z0-9_][A-Za-z0-9_.:-]{0,127})$/;

/** A typed business key: the normalized `key=value`, or why it is not one. */
export type ParsedBusinessKey = { ok: true; pair: string } | { ok: false; message: string };

/**
 * Checks one typed filter the way the collector will: a key, `=`, then the value (which may itself
 * contain `=`). Spaces around the key and the value are trimmed.
 *
 * @example
 * parseBusinessKey(' applicantId = A-1042 ') // → { ok: true, pair: 'applicantId=A-1042' }
 * parseBusinessKey('A-1042')                 // → { ok: false, message: 'Expected key=value, …' }
 */
export function parseBusinessKey(text: string): ParsedBusinessKey {
  const at = text.indexOf('=');
  const key = at === -1 ? '' : text.slice(0, at).trim();
  const value = at === -1 ? '' : text.slice(at + 1).trim();
  if (!key) {
    return { ok: false, message: 'Expected key=value, for example applicantId=A-1042' };
  }
  const pair = `${key}=${value}`;
  if (pair.length > MAX_PAIR_LENGTH) {
    return { ok: false, message: `A filter is at most ${MAX_PAIR_LENGTH} characters` };
  }
  return { ok: true, pair };
}

/** Adds a pair unless present; refuses past the collector's limit. */
export function addBusinessKey(current: readonly string[], pair: string): string[] | { message: string } {
  if (current.includes(pair)) {
    return [...current];
  }
  if (current.length >= MAX_BUSINESS_KEYS) {
    return { message: `At most ${MAX_BUSINESS_KEYS} key=value filters` };
  }
  return [...current, pair];
}

function strings(value: UrlQueryMap[string]): string[] {
  const all = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return all.map(String).filter((one) => one !== '' && one !== 'true' && one.includes('='));
}

/** The `where` filters in the URL (repeated `where=`), valid ones only, in order, without repeats. */
export function businessKeysFromQuery(query: UrlQueryMap): string[] {
  const pairs: string[] = [];
  for (const raw of strings(query.where)) {
    const parsed = parseBusinessKey(raw);
    if (parsed.ok && !pairs.includes(parsed.pair) && pairs.length < MAX_BUSINESS_KEYS) {
      pairs.push(parsed.pair);
    }
  }
  return pairs;
}

/** The `score.<name>=<value>` filters in the URL (as the Overview's score panel links set them). */
export function scoreFiltersFromQuery(query: UrlQueryMap): Record<string, string> {
  const scores: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    const match = SCORE_KEY.exec(key);
    const first = Array.isArray(value) ? value[0] : value;
    if (match && first !== undefined && first !== null && first !== '') {
      scores[match[1]] = String(first);
    }
  }
  return scores;
}
