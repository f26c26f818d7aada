import { makeExecutionSummary, T0_MILLIS } from '../testing/fixtures';
import { addArrivals, mergeLiveRows } from './live-merge';

const at = (id: string, offsetMillis: number, status = 'completed') =>
  makeExecutionSummary({ executionId: id, startTime: new Date(T0_MILLIS + offsetMillis).toISOString(), status });

describe('live-merge', () => {
  describe('addArrivals', () => {
    it('keeps the newest first, each execution once (a later event replaces an earlier one)', () => {
      const live = addArrivals([at('a', 1000)], [at('b', 3000), at('c', 2000), at('a', 1000, 'failed')]);
      expect(live.map((row) => row.executionId)).toEqual(['b', 'c', 'a']);
      expect(live[2].status).toBe('failed');
    });

    it('caps the rows, dropping the oldest', () => {
      const arrivals = Array.from({ length: 10 }, (_, i) => at(`e${i}`, i * 1000));
      expect(addArrivals([], arrivals, 3).map((row) => row.executionId)).toEqual(['e9', 'e8', 'e7']);
    });
  });

  describe('mergeLiveRows', () => {
    it('puts arrivals on top and leaves out listed rows that also arrived', () => {
      const rows = mergeLiveRows([at('new', 5000), at('x', 1000)], [at('x', 1000), at('old', 0)]);
      expect(rows.map((row) => row.executionId)).toEqual(['new', 'x', 'old']);
      expect(mergeLiveRows([], undefined)).toEqual([]);
    });
  });
});
