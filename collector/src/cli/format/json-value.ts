/**
 * Step inputs and outputs for `xray show --verbose`: JSON text pretty-printed,
 * with long strings and long documents cut so one huge prompt does not bury
 * the timeline. The caller prints a note when anything was cut.
 */

export interface FormattedValue {
  lines: string[];
  truncated: boolean;
}

export interface FormatValueOptions {
  /** Longest string value kept whole. */
  maxStringChars?: number;
  /** Most lines printed. */
  maxLines?: number;
}

function shortenStrings(value: unknown, maxChars: number, cut: { any: boolean }): unknown {
  if (typeof value === 'string') {
    if (value.length <= maxChars) return value;
    cut.any = true;
    return `${value.slice(0, maxChars)}… (+${value.length - maxChars} chars)`;
  }
  if (Array.isArray(value)) return value.map((item) => shortenStrings(item, maxChars, cut));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shortenStrings(item, maxChars, cut)]));
  }
  return value;
}

/**
 * @example
 * formatValueText('{"score":712}'); // { lines: ['{', '  "score": 712', '}'], truncated: false }
 */
export function formatValueText(text: string, options: FormatValueOptions = {}): FormattedValue {
  const maxChars = options.maxStringChars ?? 200;
  const maxLines = options.maxLines ?? 40;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The SDK stores strings as they are, not as JSON text.
    parsed = undefined;
  }
  const cut = { any: false };
  const lines =
    parsed === undefined
      ? String(shortenStrings(text, maxChars * 5, cut)).split(/\r?\n/)
      : JSON.stringify(shortenStrings(parsed, maxChars, cut), null, 2).split('\n');
  if (lines.length > maxLines) {
    const hidden = lines.length - maxLines;
    return { lines: [...lines.slice(0, maxLines), `… (${hidden} more lines)`], truncated: true };
  }
  return { lines, truncated: cut.any };
}
