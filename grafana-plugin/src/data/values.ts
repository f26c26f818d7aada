/**
 * How a step's input, output and attribute values are shown: JSON text
 * pretty-printed, anything else as is, and whether it is long enough to
 * start collapsed. JSON is parsed losslessly (lossless-json): numbers keep
 * the exact text they were stored with (`12345678901234567890` and `1.10`
 * stay as written; JSON.parse would turn them into `12345678901234567000`
 * and `1.1`).
 */
import { isLosslessNumber, parse, stringify } from 'lossless-json';

export interface DisplayValue {
  kind: 'json' | 'text' | 'empty';
  text: string;
  /** The parsed value when kind is 'json' (numbers as LosslessNumber, their stored text in `.value`). */
  parsed?: unknown;
  lineCount: number;
  /** Long values start collapsed. */
  isLong: boolean;
}

export const LONG_VALUE_LINES = 12;
export const LONG_VALUE_CHARS = 800;

/**
 * Pretty-prints JSON text (2-space indent); other text is kept.
 *
 * @example
 * toDisplayValue('{"a":1}').text // '{\n  "a": 1\n}'
 */
export function toDisplayValue(raw: string): DisplayValue {
  if (raw.trim() === '') {
    return { kind: 'empty', text: '', lineCount: 0, isLong: false };
  }
  let kind: DisplayValue['kind'] = 'text';
  let text = raw;
  let parsed: unknown;
  const first = raw.trimStart()[0];
  if (first === '{' || first === '[' || first === '"') {
    try {
      parsed = parse(raw);
      text = stringify(parsed, undefined, 2) ?? raw;
      kind = 'json';
    } catch {
      // Not JSON after all: show it as sent.
    }
  }
  const lineCount = text.split('\n').length;
  return { kind, text, parsed, lineCount, isLong: lineCount > LONG_VALUE_LINES || text.length > LONG_VALUE_CHARS };
}

/** The first lines of a long value, for its collapsed view. */
export function previewOf(value: DisplayValue, lines = LONG_VALUE_LINES, chars = LONG_VALUE_CHARS): string {
  const head = value.text.split('\n').slice(0, lines).join('\n');
  return head.length > chars ? `${head.slice(0, chars)}…` : head;
}

/** The text of a JSON leaf exactly as stored: numbers as written, strings JSON-quoted. */
export function jsonLeafText(value: unknown): string {
  if (isLosslessNumber(value)) {
    return value.value;
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * A payload preview on one line (whitespace runs folded), with `…` when the
 * stored value is longer than the preview.
 *
 * @example
 * compactPreview('{"a":\n 1}', 40) // '{"a": 1}…'
 */
export function compactPreview(preview: string, fullLength: number): string {
  const line = preview.replace(/\s+/g, ' ').trim();
  return [...preview].length < fullLength ? `${line}…` : line;
}
