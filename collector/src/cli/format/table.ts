/**
 * A plain text table: a header row, columns two spaces apart, numbers
 * right-aligned. When a width limit is given (the terminal's), columns marked
 * `shrink` are cut with `…`, widest first; the others (ids people copy) never are.
 */
import type { Colors } from './colors.js';
import { oneLine, padEnd, padStart, truncate, visibleWidth } from './text.js';

export interface Column<Row> {
  header: string;
  /** The cell as plain text; styling comes after sizing so widths stay exact. */
  value: (row: Row) => string;
  align?: 'left' | 'right';
  /** May be cut when the table is wider than `maxWidth`. */
  shrink?: boolean;
  /** Narrowest a shrinking column gets; default 8. */
  minWidth?: number;
  style?: (text: string, row: Row) => string;
}

export interface TableOptions {
  colors: Colors;
  /** Columns available; no limit when undefined (output piped to a file or another program). */
  maxWidth?: number;
}

const GAP = '  ';
const DEFAULT_MIN_WIDTH = 8;

/** Widths that fit `maxWidth` by narrowing the widest shrinkable column one step at a time. */
export function fitColumnWidths(natural: number[], shrinkable: boolean[], minWidths: number[], maxWidth: number | undefined): number[] {
  const widths = [...natural];
  if (maxWidth === undefined) return widths;
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP.length * Math.max(0, widths.length - 1);
  let excess = total() - maxWidth;
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) {
      if (shrinkable[i] && widths[i] > minWidths[i] && (widest === -1 || widths[i] > widths[widest])) widest = i;
    }
    if (widest === -1) break;
    widths[widest]--;
    excess--;
  }
  return widths;
}

/**
 * @example
 * renderTable([{ header: 'NAME', value: (r) => r.name }, { header: 'MS', value: (r) => String(r.ms), align: 'right' }],
 *   [{ name: 'score', ms: 12 }], { colors: createColors(false) });
 * // 'NAME   MS\nscore  12'
 */
export function renderTable<Row>(columns: Column<Row>[], rows: Row[], options: TableOptions): string {
  const cells = rows.map((row) => columns.map((column) => oneLine(column.value(row))));
  const natural = columns.map((column, i) => Math.max(visibleWidth(column.header), ...cells.map((line) => visibleWidth(line[i]))));
  const widths = fitColumnWidths(
    natural,
    columns.map((column) => column.shrink === true),
    columns.map((column, i) => Math.min(natural[i], column.minWidth ?? DEFAULT_MIN_WIDTH)),
    options.maxWidth,
  );
  const line = (texts: string[], styleOf: (i: number, text: string) => string) =>
    texts
      .map((text, i) => {
        const cut = truncate(text, widths[i]);
        const styled = styleOf(i, cut);
        return columns[i].align === 'right' ? padStart(styled, widths[i]) : padEnd(styled, widths[i]);
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((column) => column.header),
    (_, text) => options.colors.bold(text),
  );
  const body = cells.map((texts, r) => line(texts, (i, text) => columns[i].style?.(text, rows[r]) ?? text));
  return [header, ...body].join('\n');
}
