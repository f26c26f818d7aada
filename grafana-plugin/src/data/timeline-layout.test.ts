import { layoutTimeline, rootCauseIndex, timelineTicks, visibleRows } from './timeline-layout';
import { makeExecution, makeStep, nanos, T0_MILLIS } from '../testing/fixtures';

describe('timeline-layout', () => {
  describe('layoutTimeline', () => {
    const execution = makeExecution({ durationMs: 100, startTimeUnixNano: nanos(T0_MILLIS) });

    it('orders steps as a tree, children indented under their parent by sequence', () => {
      const steps = [
        makeStep({ spanId: 'b', sequence: 2, startMs: 50 }),
        makeStep({ spanId: 'a', sequence: 0, startMs: 0, durationMs: 40 }),
        makeStep({ spanId: 'a2', parentSpanId: 'a', sequence: 1, startMs: 20 }),
        makeStep({ spanId: 'a1', parentSpanId: 'a', sequence: 0, startMs: 5 }),
        makeStep({ spanId: 'a1x', parentSpanId: 'a1', sequence: 0, startMs: 6 }),
      ];
      const layout = layoutTimeline(steps, execution);
      expect(layout.rows.map((row) => [row.step.spanId, row.depth])).toEqual([
        ['a', 0],
        ['a1', 1],
        ['a1x', 2],
        ['a2', 1],
        ['b', 0],
      ]);
      expect(layout.rows[1].parentIndex).toBe(0);
      expect(layout.rows[0].childCount).toBe(2);
      expect(layout.maxDepth).toBe(2);
    });

    it('places bars relative to the execution: offset and width as fractions of its duration', () => {
      const steps = [makeStep({ spanId: 'a', startMs: 25, durationMs: 50 })];
      const [row] = layoutTimeline(steps, execution).rows;
      expect(row.offsetMs).toBeCloseTo(25);
      expect(row.offsetFraction).toBeCloseTo(0.25);
      expect(row.widthFraction).toBeCloseTo(0.5);
    });

    it('widens the timeline to steps that start before or end after the root span', () => {
      const steps = [makeStep({ spanId: 'late', startMs: 150, durationMs: 50 })];
      const layout = layoutTimeline(steps, execution);
      expect(layout.totalMs).toBeCloseTo(200);
      expect(layout.rows[0].offsetFraction).toBeCloseTo(0.75);
    });

    it('uses the steps alone when the root span has not arrived', () => {
      const steps = [
        makeStep({ spanId: 'a', startMs: 10, durationMs: 10 }),
        makeStep({ spanId: 'b', startMs: 30, durationMs: 10 }),
      ];
      const layout = layoutTimeline(steps, null);
      expect(layout.startMillis).toBeCloseTo(T0_MILLIS + 10);
      expect(layout.totalMs).toBeCloseTo(30);
      expect(layout.rows.map((row) => row.depth)).toEqual([0, 0]);
    });

    it('marks failed steps by status or error and lists them in tree order', () => {
      const steps = [
        makeStep({ spanId: 'ok', sequence: 0 }),
        makeStep({ spanId: 'bad', sequence: 1, status: 'failed' }),
        makeStep({ spanId: 'threw', sequence: 2, error: { type: 'Error', message: 'boom', stack: '' } }),
      ];
      const layout = layoutTimeline(steps, execution);
      expect(layout.rows.map((row) => row.isFailed)).toEqual([false, true, true]);
      expect(layout.failedIndexes).toEqual([1, 2]);
    });

    it('shows steps whose parent never arrived as top-level', () => {
      const steps = [makeStep({ spanId: 'orphan', parentSpanId: 'missing' })];
      expect(layoutTimeline(steps, execution).rows[0].depth).toBe(0);
    });

    it('still shows steps caught in a parent cycle', () => {
      const steps = [makeStep({ spanId: 'x', parentSpanId: 'y' }), makeStep({ spanId: 'y', parentSpanId: 'x' })];
      const layout = layoutTimeline(steps, execution);
      expect(layout.rows.map((row) => row.step.spanId).sort()).toEqual(['x', 'y']);
    });

    // Speed is measured in bench/ (plugin-timeline), not asserted here.
    it('lays out 10,000 nested steps without recursion', () => {
      const steps = Array.from({ length: 10_000 }, (_, i) =>
        makeStep({ spanId: `s${i}`, parentSpanId: i === 0 ? 'root' : `s${i - 1}`, sequence: i, startMs: i * 0.01 })
      );
      const layout = layoutTimeline(steps, execution);
      expect(layout.rows).toHaveLength(10_000);
      expect(layout.rows[9_999].depth).toBe(9_999);
    });

    it('never returns a zero-length timeline', () => {
      const layout = layoutTimeline([makeStep({ spanId: 'a', durationMs: 0 })], makeExecution({ durationMs: 0 }));
      expect(layout.totalMs).toBeGreaterThan(0);
      expect(layout.rows[0].widthFraction).toBe(0);
    });
  });

  describe('rootCauseIndex', () => {
    it('points at the deepest failure of the first failing branch, not the parents it failed', () => {
      const steps = [
        makeStep({ spanId: 'ok', sequence: 0 }),
        makeStep({ spanId: 'batch', sequence: 1, status: 'failed' }),
        makeStep({ spanId: 'item1', parentSpanId: 'batch', sequence: 0 }),
        makeStep({ spanId: 'item2', parentSpanId: 'batch', sequence: 1, status: 'failed' }),
        makeStep({ spanId: 'later', sequence: 2, status: 'failed' }),
      ];
      const layout = layoutTimeline(steps, makeExecution());
      expect(layout.rows[rootCauseIndex(layout)].step.spanId).toBe('item2');
    });

    it('is the failed step itself when nothing beneath it failed, and -1 when nothing failed', () => {
      const failedLeaf = layoutTimeline(
        [makeStep({ spanId: 'a', status: 'failed' }), makeStep({ spanId: 'b', sequence: 1, status: 'failed' })],
        null
      );
      expect(rootCauseIndex(failedLeaf)).toBe(0);
      expect(rootCauseIndex(layoutTimeline([makeStep({ spanId: 'a' })], null))).toBe(-1);
    });
  });

  describe('visibleRows', () => {
    it('hides the descendants of collapsed steps only', () => {
      const steps = [
        makeStep({ spanId: 'a', sequence: 0 }),
        makeStep({ spanId: 'a1', parentSpanId: 'a', sequence: 0 }),
        makeStep({ spanId: 'a1x', parentSpanId: 'a1', sequence: 0 }),
        makeStep({ spanId: 'b', sequence: 1 }),
      ];
      const layout = layoutTimeline(steps, makeExecution());
      expect(visibleRows(layout, new Set(['a'])).map((row) => row.step.spanId)).toEqual(['a', 'b']);
      expect(visibleRows(layout, new Set(['a1'])).map((row) => row.step.spanId)).toEqual(['a', 'a1', 'b']);
      expect(visibleRows(layout, new Set())).toBe(layout.rows);
    });
  });

  describe('timelineTicks', () => {
    it('spaces ticks evenly from 0 to the total', () => {
      expect(timelineTicks(200, 4).map((tick) => tick.offsetMs)).toEqual([0, 50, 100, 150, 200]);
    });
  });
});
