/**
 * CSV as RFC 4180 writes it: comma-separated, CRLF line ends, a field quoted
 * when it holds a comma, a quote, CR or LF, quotes inside doubled. Pure.
 */

export function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * @example
 * csvRow(['a', 'b,c', 1]); // 'a,"b,c",1\r\n'
 */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
