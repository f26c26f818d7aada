import { layoutTimeline } from './timeline-layout';
import {
  barInView,
  collapsedToDepth,
  findMatches,
  highlightParts,
  matchPosition,
  mergeMatches,
  stepMatch,
  viewBetween,
  viewTicks,
  wantsPayloadSearch,
  zoomView,
} from './timeline-view';
import { makeExecution, makeStep } from '../testing/fixtures';

const layout = layoutTimeline(
  [
    makeStep({ spanId: 'aa11', name: 'fetch', sequence: 0, startMs: 0, durationMs: 10 }),
    makeStep({ spanId: 'bb22', name: 'Score', sequence: 1, startMs: 10, durationMs: 50, status: 'failed' }),
    makeStep({ spanId: 'cc33', name: 'bureau-score', parentSpanId: 'bb22', sequence: 2, startMs: 20, durationMs: 20 }),
    makeStep({
      spanId: 'dd44',
      name: 'deep',
      parentSpanId: 'cc33',
      sequence: 12345,
      startMs: 25,
      durationMs: 5,
      error: { type: 'E', message: 'Price missing', stack: '' },
    }),
  ],
  makeExecution({ durationMs: 100 })
);
const ids = (indexes: number[]) => indexes.map((i) => layout.rows[i].step.spanId);

describe('timeline-view', () => {
  describe('findMatches', () => {
    it('matches names case-insensitively, span id prefixes, statuses and error messages', () => {
      expect(ids(findMatches(layout, 'score'))).toEqual(['bb22', 'cc33']);
      expect(ids(findMatches(layout, 'CC3'))).toEqual(['cc33']);
      expect(ids(findMatches(layout, 'failed'))).toEqual(['bb22']);
      expect(ids(findMatches(layout, 'price'))).toEqual(['dd44']);
      expect(findMatches(layout, '  ')).toEqual([]);
    });

    it('finds a step by #sequence, with or without thousands separators', () => {
      expect(ids(findMatches(layout, '#12,345'))).toEqual(['dd44']);
      expect(ids(findMatches(layout, '#12345'))).toEqual(['dd44']);
      expect(findMatches(layout, '#99')).toEqual([]);
    });
  });

  describe('matches in payloads', () => {
    const indexBySpan = new Map(layout.rows.map((row) => [row.step.spanId, row.index]));

    it('asks the collector for texts with words, never for #sequence lookups or punctuation', () => {
      expect(wantsPayloadSearch('threshold')).toBe(true);
      expect(wantsPayloadSearch(' "credit score" ')).toBe(true);
      expect(wantsPayloadSearch('é')).toBe(true);
      expect(wantsPayloadSearch('#12')).toBe(false);
      expect(wantsPayloadSearch('  ')).toBe(false);
      expect(wantsPayloadSearch('--')).toBe(false);
    });

    it("merges the collector's span ids into the outline's matches, in tree order, once each", () => {
      const local = findMatches(layout, 'deep');
      expect(ids(mergeMatches(local, ['cc33', 'dd44', 'aa11', 'not-in-outline'], indexBySpan))).toEqual([
        'aa11',
        'cc33',
        'dd44',
      ]);
      expect(mergeMatches(local, [], indexBySpan)).toEqual(local);
    });

    it('finds the position of a match and steps to the next or previous one, wrapping around', () => {
      const matches = [1, 4, 9];
      expect(matchPosition(matches, 4)).toBe(1);
      expect(matchPosition(matches, 5)).toBe(-1);
      expect(matchPosition(matches, undefined)).toBe(-1);
      expect(stepMatch(matches, undefined, 1)).toBe(1);
      expect(stepMatch(matches, undefined, -1)).toBe(9);
      expect(stepMatch(matches, 4, 1)).toBe(9);
      expect(stepMatch(matches, 9, 1)).toBe(1);
      expect(stepMatch(matches, 1, -1)).toBe(9);
      // The current row stopped being a match (or the matches grew around it): the neighbours in tree order.
      expect(stepMatch(matches, 5, 1)).toBe(9);
      expect(stepMatch(matches, 5, -1)).toBe(4);
      expect(stepMatch([], 3, 1)).toBeUndefined();
    });
  });

  it('splits a name around every occurrence of the search text', () => {
    expect(highlightParts('score-Score', 'score')).toEqual([
      { text: 'score', match: true },
      { text: '-', match: false },
      { text: 'Score', match: true },
    ]);
    expect(highlightParts('abc', '#1')).toEqual([{ text: 'abc', match: false }]);
  });

  it('folds every step with children at or below the last level shown', () => {
    expect([...collapsedToDepth(layout, 1)].sort()).toEqual(['bb22', 'cc33']);
    expect([...collapsedToDepth(layout, 2)]).toEqual(['cc33']);
    expect([...collapsedToDepth(layout, 3)]).toEqual([]);
  });

  describe('zoom', () => {
    it('zooms around the middle and never past the timeline', () => {
      expect(zoomView({ start: 0, end: 1 }, 2)).toEqual({ start: 0.25, end: 0.75 });
      const out = zoomView({ start: 0.8, end: 1 }, 0.5);
      expect(out.start).toBeCloseTo(0.6);
      expect(out.end).toBe(1);
      expect(zoomView({ start: 0.25, end: 0.75 }, 0.1)).toEqual({ start: 0, end: 1 });
    });

    it('orders and clamps a dragged window and keeps it from vanishing', () => {
      expect(viewBetween(0.7, 0.2)).toEqual({ start: 0.2, end: 0.7 });
      expect(viewBetween(-1, 2)).toEqual({ start: 0, end: 1 });
      const tiny = viewBetween(0.5, 0.5);
      expect(tiny.end - tiny.start).toBeGreaterThan(0);
    });

    it('places bars in the view and leaves out those outside it', () => {
      const score = layout.rows[1];
      expect(barInView(score, { start: 0, end: 1 })).toEqual({ left: 0.1, width: 0.5 });
      const zoomed = barInView(score, { start: 0.1, end: 0.2 })!;
      expect(zoomed.left).toBeCloseTo(0);
      expect(zoomed.width).toBeCloseTo(5);
      expect(barInView(layout.rows[0], { start: 0.5, end: 1 })).toBeUndefined();
    });

    it('labels ticks with the time they stand at in the view', () => {
      expect(viewTicks(100, { start: 0.5, end: 1 }, 2).map((tick) => tick.offsetMs)).toEqual([50, 75, 100]);
    });
  });
});
