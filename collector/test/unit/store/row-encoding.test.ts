import { describe, expect, it } from 'vitest';
import type { ExecutionRow, StepRow } from '../../../src/contracts/rows.js';
import { encodeRows, NativeBlockBuilder, RowEncodingError, toNativeBlock } from '../../../src/store/row-encoding.js';

function executionRow(overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  return {
    app_id: 'a', execution_id: 'e1', trace_id: 't', root_span_id: 'r', pipeline: 'p', environment: '', service_name: '',
    status: 'completed', start_time: '2026-12-04 00:00:00.000000001', end_time: '2026-12-04 00:00:01.000000000',
    duration_ms: 1.5, step_count: 2570, error_count: 0, dropped_steps: 0, error_message: '', metadata: '', final_outcome: '',
    attributes: { k: 'v' },
    ...overrides,
  };
}

/** A Native string: its UTF-8 length as a LEB128 number, then the bytes. */
function nativeString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    length.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  length.push(n);
  return Buffer.concat([Buffer.from(length), bytes]);
}

describe('store/row-encoding', () => {
  describe('toNativeBlock', () => {
    it('writes the column count, row count, then each column as name, type and values, as ClickHouse lays out a Native block', () => {
      const rows = [
        { app_id: 'x\n\ny', sequence: 2570, duration_ms: 1.5, attributes: { k: 'v', k2: 'w' } },
        { app_id: '', sequence: 0xffff_ffff, duration_ms: -0, attributes: {} },
      ] as unknown as StepRow[];
      const { columns, payload } = toNativeBlock('steps', rows);
      const uint32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
      const uint64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
      const float64 = (n: number) => { const b = Buffer.alloc(8); b.writeDoubleLE(n); return b; };
      expect(columns).toEqual(['app_id', 'sequence', 'duration_ms', 'attributes']);
      expect(payload.toString('hex')).toBe(Buffer.concat([
        Buffer.from([4, 2]),
        nativeString('app_id'), nativeString('String'), nativeString('x\n\ny'), nativeString(''),
        nativeString('sequence'), nativeString('UInt32'), uint32(2570), uint32(0xffff_ffff),
        nativeString('duration_ms'), nativeString('Float64'), float64(1.5), float64(-0),
        nativeString('attributes'), nativeString('Map(String, String)'), uint64(2), uint64(2),
        nativeString('k'), nativeString('k2'), nativeString('v'), nativeString('w'),
      ]).toString('hex'));
    });

    it('writes lengths of several bytes for long texts and counts UTF-8 bytes, not UTF-16 units', () => {
      for (const text of ['é'.repeat(42), 'é'.repeat(43), '😀'.repeat(100), 'x'.repeat(127), 'x'.repeat(128), 'y'.repeat(20_000)]) {
        const { payload } = toNativeBlock('steps', [{ reasoning: text } as unknown as StepRow]);
        const expected = Buffer.concat([Buffer.from([1, 1]), nativeString('reasoning'), nativeString('String'), nativeString(text)]);
        expect(payload.equals(expected), `${text.length} units of ${text[0]}`).toBe(true);
      }
    });

    it('refuses what the columns cannot hold, naming the column and the row', () => {
      const refuse = (overrides: Partial<Record<keyof ExecutionRow, unknown>>) => () => toNativeBlock('executions', [executionRow(), executionRow(overrides as Partial<ExecutionRow>)]);
      expect(refuse({ step_count: -1 })).toThrow(new RowEncodingError('column step_count of row 2 holds -1, not a UInt32'));
      expect(refuse({ step_count: 2 ** 32 })).toThrow(/step_count of row 2 holds 4294967296, not a UInt32/);
      expect(refuse({ error_count: 1.5 })).toThrow(/error_count of row 2 holds 1.5, not a UInt32/);
      expect(refuse({ duration_ms: '3' })).toThrow(/duration_ms of row 2 holds "3", not a number/);
      expect(refuse({ pipeline: 7 })).toThrow(/pipeline of row 2 holds 7, not a string/);
      expect(refuse({ attributes: null })).toThrow(/attributes of row 2 holds null, not a map of strings/);
      expect(refuse({ attributes: { n: 1 } })).toThrow(/attributes holds 1 under "n", not a string/);
      expect(() => toNativeBlock('executions', [{ ...executionRow(), extra: 'x' }], [...Object.keys(executionRow()), 'extra'])).toThrow(/no column extra/);
    });

    it('refuses a row of another shape instead of shifting its values into the wrong columns', () => {
      const { step_count: _, ...short } = executionRow();
      expect(() => toNativeBlock('executions', [executionRow(), short as ExecutionRow])).toThrow(/same columns/);
      expect(() => toNativeBlock('executions', [executionRow(), { ...executionRow(), more: 1 } as ExecutionRow])).toThrow(/same columns/);
      // As many keys as columns, one of them another: not a value the sender sent, so no RowEncodingError.
      const { metadata: __, ...renamed } = executionRow();
      const swapped = () => toNativeBlock('executions', [executionRow(), { ...renamed, other: '' } as unknown as ExecutionRow]);
      expect(swapped).toThrow(/same columns: row 2 has no metadata/);
      expect(swapped).not.toThrow(RowEncodingError);
      expect(() => toNativeBlock('apps', [{ a: 1 }])).toThrow(/no Native encoding for table apps/);
    });
  });

  describe('NativeBlockBuilder', () => {
    const columns = ['app_id', 'pipeline', 'sequence', 'attributes'];
    const rows = () => Array.from({ length: 700 }, (_, i) => ({ app_id: `a${i % 3}`, pipeline: i % 5 ? 'p' : '', sequence: i, attributes: i % 2 ? { k: `v${i}` } : {} }));

    it('builds row by row, past its first buffers, the block toNativeBlock writes', () => {
      const block = new NativeBlockBuilder('steps', columns, { expectedRows: 4 });
      for (const row of rows()) block.add(row);
      expect(block.rows).toBe(700);
      expect(block.finish().equals(toNativeBlock('steps', rows(), columns).payload)).toBe(true);
    });

    it('keeps deferred columns as values to change until finish, then checks them like any other', () => {
      const block = new NativeBlockBuilder('steps', columns, { deferred: ['pipeline'] });
      for (const row of rows()) block.add(row);
      const pipelines = block.deferredValues('pipeline');
      expect(pipelines).toHaveLength(700);
      for (let i = 0; i < pipelines.length; i++) if (pipelines[i] === '') pipelines[i] = 'inherited';
      const expected = rows().map((row) => ({ ...row, pipeline: row.pipeline || 'inherited' }));
      expect(block.finish().equals(toNativeBlock('steps', expected, columns).payload)).toBe(true);
      expect(() => block.deferredValues('app_id')).toThrow(/not deferred/);

      const bad = new NativeBlockBuilder('steps', columns, { deferred: ['pipeline'] });
      bad.add({ app_id: 'a', pipeline: 7, sequence: 1, attributes: {} });
      expect(() => bad.finish()).toThrow(new RowEncodingError('column pipeline of row 1 holds 7, not a string'));
    });

    it('refuses a value at add, naming the row', () => {
      const block = new NativeBlockBuilder('steps', columns);
      block.add(rows()[0]);
      expect(() => block.add({ ...rows()[1], sequence: -1 })).toThrow(new RowEncodingError('column sequence of row 2 holds -1, not a UInt32'));
    });
  });

  describe('encodeRows', () => {
    it('encodes a request\'s rows with their days and executions, and leaves rows it cannot encode as objects', () => {
      const rows = [executionRow(), executionRow({ execution_id: 'e2', start_time: '2026-12-05 00:00:00.000000000' }), executionRow()];
      const encoded = encodeRows('executions', rows);
      expect(encoded?.rows).toBe(3);
      expect(encoded?.days.sort()).toEqual(['2026-12-04', '2026-12-05']);
      expect(encoded?.executions).toEqual([['a', 'e1'], ['a', 'e2']]);
      expect(Buffer.from(encoded!.payload).equals(toNativeBlock('executions', rows).payload)).toBe(true);
      expect(encodeRows('executions', [executionRow({ step_count: -1 })])).toBeUndefined();
      expect(encodeRows('executions', [])).toBeUndefined();
    });
  });
});
