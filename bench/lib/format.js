/**
 * Number formatting and plain-text tables for the results on stdout, and the
 * progress log on stderr (so `node bench/run.js > results.txt` keeps only
 * results).
 */

const benchStart = Date.now();

/** Writes one progress line to stderr, stamped with seconds since the run began. */
export function progress(message) {
  const seconds = ((Date.now() - benchStart) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

/** `1234567.8` -> `1,234,568`. */
export function formatInt(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : String(value);
}

/** A number with `digits` decimals, or `-` when it is not a number. */
export function formatFixed(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** A ratio as `0.42x`. */
export function formatRatio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '-';
}

/** Bytes as KiB/MiB. */
export function formatBytes(bytes) {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/**
 * `met` / `missed` against a target; `higherIsBetter` says which way the target points.
 *
 * @param {number} value
 * @param {number} target
 * @param {boolean} higherIsBetter
 */
export function verdict(value, target, higherIsBetter) {
  if (!Number.isFinite(value)) return 'n/a';
  const met = higherIsBetter ? value >= target : value <= target;
  return `${met ? 'met' : 'MISSED'} (${higherIsBetter ? '>=' : '<='} ${target})`;
}

/**
 * Renders a table with a title; numbers are expected to be formatted already.
 * The first column is left-aligned, the others right-aligned.
 *
 * @param {{ title: string, columns: string[], rows: string[][], notes?: string[] }} table
 * @returns {string}
 * @example
 * renderTable({ title: 'x', columns: ['name', 'ms'], rows: [['get', '1.2']] });
 */
export function renderTable(table) {
  const widths = table.columns.map((column, i) => Math.max(column.length, ...table.rows.map((row) => String(row[i] ?? '').length)));
  const line = (cells) =>
    cells.map((cell, i) => (i === 0 ? String(cell ?? '').padEnd(widths[i]) : String(cell ?? '').padStart(widths[i]))).join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  const out = [`== ${table.title}`, line(table.columns), rule, ...table.rows.map(line)];
  for (const note of table.notes ?? []) out.push(`   ${note}`);
  return out.join('\n') + '\n';
}
