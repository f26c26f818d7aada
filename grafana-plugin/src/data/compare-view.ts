/**
 * The compare page's rows from `GET /executions/compare`: one row per
 * aligned step (B's order, A-only steps where A had them), each side's
 * status and duration, and each changed field as text a person can read
 * side by side (status `completed → failed`, duration `+120 ms`, JSON
 * changes path by path). Pure: values become strings here, never HTML.
 */
import type { CompareFieldChange, CompareResponse, CompareStep, CompareStepKind } from '../api/types';
import { formatDurationMs } from './time';

/** Longest text shown for one value; the rest is cut with an ellipsis (the full value is on the execution page). */
export const MAX_VALUE_CHARS = 2000;

export interface DiffLine {
  /** `$`, `$.score`, `$.items[2]`... */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before: string;
  after: string;
}

export interface FieldChangeView {
  field: string;
  label: string;
  before: string;
  after: string;
  /** Structural changes of a JSON value, path by path; empty for scalars. */
  diff: DiffLine[];
  diffTruncated: boolean;
}

export interface CompareRow {
  key: string;
  name: string;
  depth: number;
  kind: CompareStepKind;
  a: { status: string; duration: string } | null;
  b: { status: string; duration: string } | null;
  changes: FieldChangeView[];
}

const FIELD_LABELS: Record<string, string> = {
  status: 'Status',
  durationMs: 'Duration',
  input: 'Input',
  output: 'Output',
  reasoning: 'Reasoning',
  error: 'Error',
  errorMessage: 'Error',
  metadata: 'Metadata',
  finalOutcome: 'Outcome',
};

/**
 * A value as one line of text: strings as they are, everything else as JSON; absent as `—`.
 *
 * @example
 * valueText({ score: 512 }) // '{"score":512}'
 */
export function valueText(value: unknown): string {
  if (value === undefined || value === null || value === '') {
    return '—';
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

function durationText(change: CompareFieldChange, side: 'before' | 'after'): string {
  const value = change[side];
  return typeof value === 'number' ? formatDurationMs(value) : valueText(value);
}

/** One changed field as text. */
export function toFieldChangeView(change: CompareFieldChange): FieldChangeView {
  const isDuration = change.field === 'durationMs';
  const delta =
    isDuration && typeof change.deltaMs === 'number'
      ? ` (${change.deltaMs >= 0 ? '+' : '−'}${formatDurationMs(Math.abs(change.deltaMs))})`
      : '';
  return {
    field: change.field,
    label: FIELD_LABELS[change.field] ?? change.field,
    before: isDuration ? durationText(change, 'before') : valueText(change.before),
    after: isDuration ? `${durationText(change, 'after')}${delta}` : valueText(change.after),
    diff: (change.diff ?? []).map((line) => ({
      path: line.path,
      kind: line.kind,
      before: line.kind === 'added' ? '' : valueText(line.before),
      after: line.kind === 'removed' ? '' : valueText(line.after),
    })),
    diffTruncated: change.diffTruncated === true,
  };
}

function side(step: CompareStep['a']) {
  return step ? { status: step.status, duration: formatDurationMs(step.durationMs) } : null;
}

/**
 * The rows of the compare table, in the collector's order.
 *
 * @example
 * toCompareRows(response).filter((row) => row.kind !== 'unchanged').map((row) => row.name)
 */
export function toCompareRows(response: CompareResponse): CompareRow[] {
  return response.steps.map((step) => ({
    key: step.path.join('/'),
    name: step.name,
    depth: step.depth,
    kind: step.kind,
    a: side(step.a),
    b: side(step.b),
    changes: step.changes.map(toFieldChangeView),
  }));
}

/** Start time in nanoseconds when the row has it (two executions often start in the same millisecond), else from the ISO time. */
function startNanos(row: { startTime: string; startTimeUnixNano?: string }): bigint {
  if (row.startTimeUnixNano && /^\d+$/.test(row.startTimeUnixNano)) {
    return BigInt(row.startTimeUnixNano);
  }
  return BigInt(Date.parse(row.startTime)) * BigInt(1_000_000);
}

/** The two executions picked on the Executions page as `a` and `b`: the older one first ("before"). */
export function orderForCompare<T extends { executionId: string; startTime: string; startTimeUnixNano?: string }>(
  picked: readonly T[]
): [string, string] | undefined {
  if (picked.length !== 2) {
    return undefined;
  }
  const [x, y] = [...picked].sort((p, q) => {
    const [a, b] = [startNanos(p), startNanos(q)];
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return [x.executionId, y.executionId];
}
