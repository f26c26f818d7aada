/**
 * What the timeline's controls compute, with no React: search matches over
 * every step (collapsed ones too) merged with the collector's matches in
 * payloads, the next and previous match, the steps to fold for "show N levels",
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

/** Words as the collector's search sees them: runs of ASCII letters and digits and non-ASCII characters. */
const SEARCH_WORD = /[0-9A-Za-z\u0080-\uFFFF]/;

/**
 * Whether the collector should also search the steps' reasoning, error
 * messages, inputs and outputs for this text: it holds a word and is not a
 * `#sequence` lookup.
 */
export function wantsPayloadSearch(query: string): boolean {
  const text = query.trim();
  return text !== '' && !text.startsWith('#') && SEARCH_WORD.test(text);
}

/**
 * The rows matched in the outline (`local`, layout indexes in order) and by
 * the collector's search in payloads (`spanIds`), as one sorted list of
 * layout indexes without repeats. Span ids the layout does not hold (steps
 * past the outline's limit) are left out.
 */
export function mergeMatches(
  local: readonly number[],
  spanIds: readonly string[],
  indexBySpan: ReadonlyMap<string, number>
): number[] {
  if (spanIds.length === 0) {
    return [...local];
  }
  const all = new Set(local);
  for (const spanId of spanIds) {
    const index = indexBySpan.get(spanId);
    if (index !== undefined) {
      all.add(index);
    }
  }
  return [...all].sort((a, b) => a - b);
}

/** The position of `row` in the sorted `matches`, or -1 (binary search). */
export function matchPosition(matches: readonly number[], row: number | undefined): number {
  if (row === undefined) {
    return -1;
  }
  let low = 0;
  let high = matches.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (matches[middle] === row) {
      return middle;
    }
    if (matches[middle] < row) {
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return -1;
}

/**
 * The match to go to from `current` (a layout index, or undefined before the
 * first jump) in `direction`, wrapping around; `current` need not be a match
 * any more (the matches grew when the collector answered): the next one after
 * it in tree order is taken. Undefined without matches.
 */
export function stepMatch(
  matches: readonly number[],
  current: number | undefined,
  direction: 1 | -1
): number | undefined {
  if (matches.length === 0) {
    return undefined;
  }
  if (current === undefined) {
    return direction === 1 ? matches[0] : matches[matches.length - 1];
  }
  if (direction === 1) {
    return matches.find((row) => row > current) ?? matches[0];
  }
  for (let i = matches.length - 1; i >= 0; i--) {
    if (matches[i] < current) {
      return matches[i];
    }
  }
  return matches[matches.length - 1];
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
