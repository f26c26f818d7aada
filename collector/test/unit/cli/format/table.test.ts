import { describe, expect, it } from 'vitest';
import { createColors } from '../../../../src/cli/format/colors.js';
import { fitColumnWidths, renderTable } from '../../../../src/cli/format/table.js';
import type { Column } from '../../../../src/cli/format/table.js';
import { stripAnsi } from '../../../../src/cli/format/text.js';

interface Row {
  id: string;
  name: string;
  ms: number;
}

const rows: Row[] = [
  { id: 'a1', name: 'fetch_credit_score', ms: 12 },
  { id: 'b22', name: 'rules', ms: 1500 },
];

const columns: Column<Row>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name, shrink: true },
  { header: 'MS', value: (r) => String(r.ms), align: 'right' },
];

describe('table', () => {
  describe('renderTable', () => {
    it('sizes each column to its widest cell, two spaces apart, numbers right-aligned, no trailing spaces', () => {
      expect(renderTable(columns, rows, { colors: createColors(false) }).split('\n')).toEqual([
        'ID   NAME                  MS',
        'a1   fetch_credit_score    12',
        'b22  rules               1500',
      ]);
    });

    it('cuts shrinkable columns with … to fit the width, and never the others', () => {
      const lines = renderTable(columns, rows, { colors: createColors(false), maxWidth: 22 }).split('\n');
      expect(lines).toEqual(['ID   NAME           MS', 'a1   fetch_cred…    12', 'b22  rules        1500']);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(22);
    });

    it('lets the table overflow rather than cut columns that may not shrink', () => {
      const lines = renderTable(columns, rows, { colors: createColors(false), maxWidth: 5 }).split('\n');
      expect(lines[1]).toBe('a1   fetch_c…    12');
    });

    it('does not count colour codes as width', () => {
      const styled: Column<Row>[] = [{ ...columns[0], style: (text) => `\u001b[31m${text}\u001b[39m` }, columns[2]];
      const text = renderTable(styled, rows, { colors: createColors(true) });
      expect(stripAnsi(text).split('\n')).toEqual(['ID     MS', 'a1     12', 'b22  1500']);
      expect(text).toContain('\u001b[31ma1\u001b[39m');
      expect(text.split('\n')[0]).toBe('\u001b[1mID\u001b[22m     \u001b[1mMS\u001b[22m');
    });

    it('keeps a cell with a line break on one line', () => {
      const text = renderTable([{ header: 'X', value: (r: { x: string }) => r.x }], [{ x: 'one\ntwo' }], { colors: createColors(false) });
      expect(text).toBe('X\none two');
    });
  });

  describe('fitColumnWidths', () => {
    it('narrows the widest shrinkable column first, down to its minimum', () => {
      expect(fitColumnWidths([10, 20, 30], [false, true, true], [8, 8, 8], 10 + 20 + 20 + 4)).toEqual([10, 20, 20]);
      expect(fitColumnWidths([10, 20, 30], [false, true, true], [8, 8, 8], 10 + 30 + 4)).toEqual([10, 15, 15]);
      expect(fitColumnWidths([10, 20, 30], [false, true, true], [8, 8, 8], 1)).toEqual([10, 8, 8]);
    });

    it('changes nothing without a limit', () => {
      expect(fitColumnWidths([10, 20], [true, true], [8, 8], undefined)).toEqual([10, 20]);
    });
  });
});
