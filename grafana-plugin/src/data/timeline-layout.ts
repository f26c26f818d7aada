/**
 * The decision timeline's layout, computed once per execution with no React:
 * steps in tree order (children under their parent via parentSpanId), the
 * depth of each, and where its bar starts and how long it is relative to the
 * execution. Rendering only positions what this returns, which keeps 10,000
 * steps cheap: the layout is O(n log n), the rows on screen are virtualized.
 */
import type { ExecutionDetail, Step } from '../api/types';
import { statusKind } from './status';
import { type StepOutline, toStepOutline } from './step-outline';
import { nanosToMillis } from './time';

export interface TimelineRow {
  /** Position in `TimelineLayout.rows` (tree pre-order). */
  index: number;
  step: StepOutline;
  /** 0 for a top-level step. */
  depth: number;
  /** Index of the parent row, -1 for a top-level step. */
  parentIndex: number;
  /** Number of direct children. */
  childCount: number;
  /** Start relative to the timeline's start, in milliseconds. */
  offsetMs: number;
  durationMs: number;
  /** Bar start as a fraction (0..1) of the timeline's width. */
  offsetFraction: number;
  /** Bar length as a fraction (0..1) of the timeline's width. */
  widthFraction: number;
  isFailed: boolean;
}

export interface TimelineLayout {
  rows: TimelineRow[];
  /** Unix milliseconds where the timeline starts (the execution's start, or the first step's). */
  startMillis: number;
  /** Length of the timeline in milliseconds (never 0). */
  totalMs: number;
  maxDepth: number;
  /** Indexes of failed rows, in tree order. */
  failedIndexes: number[];
}

type ExecutionBounds = Pick<ExecutionDetail, 'startTimeUnixNano' | 'durationMs' | 'rootSpanId'>;

// Siblings in the collector's step order (sequence, start, span id): `position` is that order.
const byTreeOrder = (a: StepOutline, b: StepOutline) => a.position - b.position;

function isOutline(step: Step | StepOutline): step is StepOutline {
  return (step as StepOutline).startMillis !== undefined;
}

/**
 * Lays out an execution's steps as timeline rows.
 *
 * A step whose parent is the execution's root span, is empty, or is not among
 * the steps (it never arrived) is top-level. Steps caught in a parent cycle,
 * which no valid trace has, are still shown, as top-level rows at the end.
 *
 * @example
 * const layout = layoutTimeline(response.steps, response.execution);
 * layout.rows[0].depth // 0
 */
export function layoutTimeline(
  input: readonly Step[] | readonly StepOutline[],
  execution: ExecutionBounds | null
): TimelineLayout {
  const steps: StepOutline[] =
    input.length > 0 && !isOutline(input[0]) ? sortedOutlines(input as readonly Step[]) : (input as StepOutline[]);
  const startById = new Map<string, number>();
  let minStart = Number.POSITIVE_INFINITY;
  let maxEnd = Number.NEGATIVE_INFINITY;
  for (const step of steps) {
    const start = step.startMillis;
    startById.set(step.spanId, start);
    minStart = Math.min(minStart, start);
    maxEnd = Math.max(maxEnd, start + Math.max(0, step.durationMs));
  }
  if (execution) {
    const executionStart = nanosToMillis(execution.startTimeUnixNano);
    if (Number.isFinite(executionStart)) {
      minStart = Math.min(minStart, executionStart);
      maxEnd = Math.max(maxEnd, executionStart + Math.max(0, execution.durationMs));
    }
  }
  if (!Number.isFinite(minStart)) {
    minStart = 0;
    maxEnd = 0;
  }
  // A zero-length timeline would divide by zero; 1 µs keeps every bar at the start.
  const totalMs = Math.max(maxEnd - minStart, 0.001);

  const present = new Set(steps.map((step) => step.spanId));
  const children = new Map<string, StepOutline[]>();
  const topLevel: StepOutline[] = [];
  for (const step of steps) {
    const parent = step.parentSpanId;
    const isTop = parent === '' || parent === execution?.rootSpanId || !present.has(parent) || parent === step.spanId;
    if (isTop) {
      topLevel.push(step);
    } else {
      const list = children.get(parent);
      if (list) {
        list.push(step);
      } else {
        children.set(parent, [step]);
      }
    }
  }
  topLevel.sort(byTreeOrder);
  for (const list of children.values()) {
    list.sort(byTreeOrder);
  }

  const rows: TimelineRow[] = [];
  const failedIndexes: number[] = [];
  const visited = new Set<string>();
  let maxDepth = 0;

  const visit = (roots: StepOutline[]) => {
    // Iterative pre-order walk: a chain of 10,000 nested steps must not overflow the stack.
    const stack: Array<{ step: StepOutline; depth: number; parentIndex: number }> = [];
    for (let i = roots.length - 1; i >= 0; i--) {
      stack.push({ step: roots[i], depth: 0, parentIndex: -1 });
    }
    while (stack.length > 0) {
      const { step, depth, parentIndex } = stack.pop()!;
      if (visited.has(step.spanId)) {
        continue;
      }
      visited.add(step.spanId);
      const kids = children.get(step.spanId) ?? [];
      const start = startById.get(step.spanId) ?? minStart;
      const offsetMs = Math.max(0, start - minStart);
      const durationMs = Math.max(0, step.durationMs);
      const index = rows.length;
      const failed = statusKind(step.status, step.errorMessage !== null) === 'failed';
      rows.push({
        index,
        step,
        depth,
        parentIndex,
        childCount: kids.length,
        offsetMs,
        durationMs,
        offsetFraction: clamp01(offsetMs / totalMs),
        widthFraction: clamp01(durationMs / totalMs),
        isFailed: failed,
      });
      if (failed) {
        failedIndexes.push(index);
      }
      maxDepth = Math.max(maxDepth, depth);
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push({ step: kids[i], depth: depth + 1, parentIndex: index });
      }
    }
  };

  visit(topLevel);
  if (visited.size < steps.length) {
    visit(steps.filter((step) => !visited.has(step.spanId)).sort(byTreeOrder));
  }

  return { rows, startMillis: minStart, totalMs, maxDepth, failedIndexes };
}

/** Full steps in the collector's order (sequence, start, span id), as outlines. */
function sortedOutlines(steps: readonly Step[]): StepOutline[] {
  const sorted = [...steps].sort(
    (a, b) =>
      a.sequence - b.sequence ||
      nanosCompare(a.startTimeUnixNano, b.startTimeUnixNano) ||
      (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)
  );
  return sorted.map(toStepOutline);
}

function nanosCompare(a: string, b: string): number {
  if (a.length !== b.length) {
    return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : value > 1 ? 1 : value;
}

/**
 * The index of the failure to show first: the first failed step, in tree
 * order, with no failed step beneath it — the root cause rather than the
 * parents that failed because of it. -1 when nothing failed.
 */
export function rootCauseIndex(layout: TimelineLayout): number {
  const failed = layout.failedIndexes;
  for (let i = 0; i < failed.length; i++) {
    const candidate = layout.rows[failed[i]];
    const next = failed[i + 1];
    if (next === undefined) {
      return candidate.index;
    }
    // Rows are in pre-order: `next` is beneath the candidate when no row between them is as shallow.
    let beneath = true;
    for (let row = candidate.index + 1; row <= next; row++) {
      if (layout.rows[row].depth <= candidate.depth) {
        beneath = false;
        break;
      }
    }
    if (!beneath) {
      return candidate.index;
    }
  }
  return -1;
}

/**
 * The rows left visible when the steps in `collapsed` (span ids) hide their
 * descendants. Rows are in pre-order, so a step's descendants are the rows
 * right after it that are deeper than it.
 */
export function visibleRows(layout: TimelineLayout, collapsed: ReadonlySet<string>): TimelineRow[] {
  if (collapsed.size === 0) {
    return layout.rows;
  }
  const visible: TimelineRow[] = [];
  let hideDeeperThan = Number.POSITIVE_INFINITY;
  for (const row of layout.rows) {
    if (row.depth > hideDeeperThan) {
      continue;
    }
    hideDeeperThan = Number.POSITIVE_INFINITY;
    visible.push(row);
    if (row.childCount > 0 && collapsed.has(row.step.spanId)) {
      hideDeeperThan = row.depth;
    }
  }
  return visible;
}

/**
 * Evenly spaced time-axis ticks (`count` intervals) over the timeline, as
 * fractions of its width and offsets in milliseconds.
 */
export function timelineTicks(totalMs: number, count = 4): Array<{ fraction: number; offsetMs: number }> {
  const ticks: Array<{ fraction: number; offsetMs: number }> = [];
  for (let i = 0; i <= count; i++) {
    ticks.push({ fraction: i / count, offsetMs: (totalMs * i) / count });
  }
  return ticks;
}
