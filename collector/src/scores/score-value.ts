/**
 * A score's value as the API takes it (a number, a boolean or a label) and as
 * the `scores` table stores it (a kind, a number and a text), both ways. Pure.
 * Booleans are stored as 1/0 as well as "true"/"false", so the average of a
 * boolean score is the share of `true`.
 */

export type ScoreKind = 'numeric' | 'boolean' | 'categorical';
export type ScoreValue = number | boolean | string;

export interface StoredValue {
  kind: ScoreKind;
  value_number: number;
  value_text: string;
}

/**
 * @example
 * toStoredValue(false); // { kind: 'boolean', value_number: 0, value_text: 'false' }
 */
export function toStoredValue(value: ScoreValue): StoredValue {
  if (typeof value === 'boolean') return { kind: 'boolean', value_number: value ? 1 : 0, value_text: String(value) };
  if (typeof value === 'number') return { kind: 'numeric', value_number: value, value_text: String(value) };
  return { kind: 'categorical', value_number: 0, value_text: value };
}

/** The value a stored row stands for. */
export function fromStoredValue(row: StoredValue): ScoreValue {
  if (row.kind === 'boolean') return row.value_text === 'true';
  if (row.kind === 'numeric') return Number(row.value_number);
  return row.value_text;
}

/**
 * Reads a value typed on a command line or in a query string: `true`/`false`
 * are booleans, a finite decimal number is numeric, anything else a label.
 *
 * @example
 * parseScoreValue('0.8'); // 0.8
 * parseScoreValue('wrong'); // 'wrong'
 */
export function parseScoreValue(text: string): ScoreValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text) && Number.isFinite(Number(text))) return Number(text);
  return text;
}
