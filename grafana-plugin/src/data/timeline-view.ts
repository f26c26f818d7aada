/**
 * What the timeline's controls compute, with no React: search matches over
 * every step (collapsed ones too), the steps to fold for "show N levels",
 * the ancestors to open to reveal a step, and the zoomed time window (bars
 * and ticks as fractions of it).
 */
import type { TimelineLayout, TimelineRow } from './timeline-layout';

/**
 * Rows matching a search, in tree order (layout indexes). `#123` (or
 * `#1,234`) finds the step with that sequence number; other text matches, case-insensitively,
 * a step's name, error message or status, or the start of its span id.
 *
 * @example
 * findMatches(layout, '#49999') // [index of the step with sequence 49999]
 * findMatches(layout, 'credit') // every step whose name contains "credit"
 */
export function findMatches(layout: TimelineLayout, query: string): number[] {
  const text = query.trim().toLowerCase();
  if (text === '') {
    return [];
  }
  const matches: number[] = [];
  const sequence = /^#\s*([\d,_ ]+)$/.exec(text);
  if (sequence) {
    const wanted = Number(sequence[1].replace(/[,_ ]/g, ''));
    for (const row of layout.rows) {
      if (row.step.sequence === wanted) {
        matches.push(row.index);
      }
    }
    return matches;
  }
  for (const row of layout.rows) {
    const { step } = row;
    if (
      step.name.toLowerCase().includes(text) ||
      step.spanId.toLowerCase().startsWith(text) ||
      step.status.toLowerCase() === text ||
      (step.errorMessage !== null && step.errorMessage.toLowerCase().includes(text))
    ) {
      matches.push(row.index);
    }
  }
  return matches;
}

/** A name split around the search text, for highlighting (`match` parts are the found text). */
export function highlightParts(name: string, query: string): Array<{ text: string; match: boolean }> {
  const text = query.trim().toLowerCase();
  if (text === '' || text.startsWith('#')) {
    return [{ text: name, match: false }];
  }
  const parts: Array<{ text: string; match: boolean }> = [];
  const lower = name.toLowerCase();
  let from = 0;
  for (let at = lower.indexOf(text); at >= 0; at = lower.indexOf(text, at + text.length)) {
    if (at > from) {
      parts.push({ text: name.slice(from, at), match: false });
    }
    parts.push({ text: name.slice(at, at + text.length), match: true });
    from = at + text.length;
  }
  if (from < name.length) {
    parts.push({ text: name.slice(from), match: false });
  }
  return parts;
}

/** Span ids of the steps to fold so that `levels` levels show (every step with children at depth >= levels - 1). */
export function collapsedToDepth(layout: TimelineLayout, levels: number): Set<string> {
  const collapsed = new Set<string>();
  for (const row of layout.rows) {
    if (row.childCount > 0 && row.depth >= levels - 1) {
      collapsed.add(row.step.spanId);
    }
  }
  return collapsed;
}

/** Span ids of a row's ancestors, nearest first. */
export function ancestorSpanIds(layout: TimelineLayout, row: TimelineRow): string[] {
  const ancestors: string[] = [];
  for (let parent = row.parentIndex; parent >= 0; parent = layout.rows[parent].parentIndex) {
    ancestors.push(layout.rows[parent].step.spanId);
  }
  return ancestors;
}

/** The part of the timeline on screen, as fractions (0..1) of its length; start < end. */
export interface TimeView {
  start: number;
  end: number;
}

export const FULL_VIEW: TimeView = { start: 0, end: 1 };
/** The narrowest window: a millionth of the timeline (50,000 steps of 1 ms over a minute stay apart). */
const MIN_VIEW_WIDTH = 1e-6;

/** A window from two fractions in any order, clamped to the timeline and at least MIN_VIEW_WIDTH wide. */
export function viewBetween(a: number, b: number): TimeView {
  let start = Math.max(0, Math.min(a, b));
  let end = Math.min(1, Math.max(a, b));
  if (end - start < MIN_VIEW_WIDTH) {
    const middle = (start + end) / 2;
    start = Math.max(0, middle - MIN_VIEW_WIDTH / 2);
    end = Math.min(1, start + MIN_VIEW_WIDTH);
  }
  return { start, end };
}

/** Zooms by `factor` (2: twice as close; 0.5: twice as far) around the view's middle. */
export function zoomView(view: TimeView, factor: number): TimeView {
  const width = Math.min(1, (view.end - view.start) / factor);
  const middle = (view.start + view.end) / 2;
  const start = Math.min(Math.max(0, middle - width / 2), 1 - width);
  return viewBetween(start, start + width);
}

/** A bar's left and width as fractions of the view; undefined when it is outside the view. */
export function barInView(row: TimelineRow, view: TimeView): { left: number; width: number } | undefined {
  const span = view.end - view.start;
  const left = (row.offsetFraction - view.start) / span;
  const width = row.widthFraction / span;
  if (left > 1 || left + width < 0) {
    return undefined;
  }
  return { left, width };
}

/** Evenly spaced ticks over the view: where they sit (fraction of the view) and their time offset in ms. */
export function viewTicks(totalMs: number, view: TimeView, count = 4): Array<{ fraction: number; offsetMs: number }> {
  const ticks: Array<{ fraction: number; offsetMs: number }> = [];
  for (let i = 0; i <= count; i++) {
    const fraction = i / count;
    ticks.push({ fraction, offsetMs: totalMs * (view.start + (view.end - view.start) * fraction) });
  }
  return ticks;
}
