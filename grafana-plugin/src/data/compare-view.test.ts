import type { CompareResponse } from '../api/types';
import { MAX_VALUE_CHARS, orderForCompare, toCompareRows, toFieldChangeView, valueText } from './compare-view';

const side = (status: string, durationMs: number) => ({ spanId: 's', sequence: 0, status, durationMs });

const response: CompareResponse = {
  a: { executionId: 'a', pipeline: 'loan', status: 'completed', durationMs: 190, startTime: '', stepCount: 2 },
  b: { executionId: 'b', pipeline: 'loan', status: 'failed', durationMs: 170, startTime: '', stepCount: 2 },
  execution: { changes: [] },
  steps: [
    {
      path: ['fetch'],
      depth: 0,
      name: 'fetch',
      kind: 'unchanged',
      a: side('completed', 38),
      b: side('completed', 38),
      changes: [],
    },
    {
      path: ['score'],
      depth: 0,
      name: 'score',
      kind: 'changed',
      a: side('completed', 100),
      b: side('failed', 220),
      changes: [
        { field: 'status', before: 'completed', after: 'failed' },
        { field: 'durationMs', before: 100, after: 220, deltaMs: 120 },
        {
          field: 'output',
          before: { score: 690, band: 'B' },
          after: { score: 512 },
          diff: [
            { path: '$.score', kind: 'changed', before: 690, after: 512 },
            { path: '$.band', kind: 'removed', before: 'B' },
          ],
        },
      ],
    },
    { path: ['decide'], depth: 0, name: 'decide', kind: 'removed', a: side('completed', 20), b: null, changes: [] },
  ],
  summary: { added: 0, removed: 1, changed: 1, unchanged: 1 },
};

describe('compare-view', () => {
  it('keeps the collector’s order with each side and each change as text', () => {
    const rows = toCompareRows(response);
    expect(rows.map((row) => [row.name, row.kind])).toEqual([
      ['fetch', 'unchanged'],
      ['score', 'changed'],
      ['decide', 'removed'],
    ]);
    expect(rows[2].b).toBeNull();
    const [status, duration, output] = rows[1].changes;
    expect([status.label, status.before, status.after]).toEqual(['Status', 'completed', 'failed']);
    expect(duration.after).toContain('(+');
    expect(output.before).toBe('{"score":690,"band":"B"}');
    expect(output.diff).toEqual([
      { path: '$.score', kind: 'changed', before: '690', after: '512' },
      { path: '$.band', kind: 'removed', before: 'B', after: '' },
    ]);
  });

  it('shows absent values as a dash and cuts long ones', () => {
    expect(valueText(undefined)).toBe('—');
    expect(valueText('')).toBe('—');
    expect(valueText('x'.repeat(MAX_VALUE_CHARS + 10))).toHaveLength(MAX_VALUE_CHARS + 1);
    expect(toFieldChangeView({ field: 'durationMs', before: 200, after: 100, deltaMs: -100 }).after).toContain('(−');
  });

  it('orders two picked executions oldest first, and nothing unless exactly two', () => {
    const newer = { executionId: 'n', startTime: '2025-01-01T00:05:00Z' };
    const older = { executionId: 'o', startTime: '2025-01-01T00:01:00Z' };
    expect(orderForCompare([newer, older])).toEqual(['o', 'n']);
    expect(orderForCompare([newer])).toBeUndefined();
  });

  it('orders two executions of the same millisecond by their nanosecond start', () => {
    const later = { executionId: 'later', startTime: '2026-12-02T10:00:00.123Z', startTimeUnixNano: '1796292000123900000' };
    const earlier = { executionId: 'earlier', startTime: '2026-12-02T10:00:00.123Z', startTimeUnixNano: '1796292000123100000' };
    expect(orderForCompare([later, earlier])).toEqual(['earlier', 'later']);
  });
});
