/**
 * `xray show`: one execution as a timeline in the terminal. The layout (tree
 * depth from parent span ids, where each bar starts and how long it is) is a
 * pure function of the steps, separate from drawing, so both are unit-tested
 * without a terminal. Built for big executions too: filters (failed steps,
 * a depth, a name pattern) keep each shown step's ancestors for context, and
 * the indent is capped so deep trees keep readable names and aligned bars.
 */
import type { ExecutionDetail, ExecutionResponse, Step } from '../api-types.js';
import type { Colors } from './colors.js';
import { formatDuration } from './duration.js';
import { formatUsd } from './money.js';
import { UTC, formatTimestamp } from './time-zone.js';
import { formatValueText } from './json-value.js';
import { oneLine, padEnd, padStart, truncate, visibleWidth, wrap } from './text.js';

/** What the layout needs of a step. */
export interface TimelineSpan {
  spanId: string;
  parentSpanId: string;
  /** Start as unix nanoseconds in decimal, as the API sends it (too big for a double to hold exactly). */
  startTimeUnixNano: string;
  durationMs: number;
}

export interface TimelineRow<S extends TimelineSpan> {
  step: S;
  /** 0 for a top-level step (its parent is the execution root or unknown), 1 for its children, ... */
  depth: number;
  /** Milliseconds from the start of the window. */
  offsetMs: number;
  /** Where the step starts and how much of the window it covers, both in 0..1. */
  offsetFraction: number;
  widthFraction: number;
}

export interface TimelineLayout<S extends TimelineSpan> {
  /** Parents before their children; siblings in the order given (the API sorts by sequence). */
  rows: TimelineRow<S>[];
  /** The window the fractions are relative to: from the earliest start to the latest end. */
  windowMs: number;
}

function toNanos(text: string): bigint | undefined {
  return /^\d+$/.test(text) ? BigInt(text) : undefined;
}

const nanosOfMillis = (millis: number) => BigInt(Math.round(millis * 1e6));

/**
 * Lays steps out as a tree on a shared time axis.
 *
 * @example
 * const { rows } = layoutTimeline(steps, { startTimeUnixNano: execution.startTimeUnixNano, durationMs: execution.durationMs });
 * rows.map((row) => `${'  '.repeat(row.depth)}${row.step.name}`);
 */
export function layoutTimeline<S extends TimelineSpan>(
  steps: S[],
  window?: { startTimeUnixNano: string; durationMs: number },
): TimelineLayout<S> {
  const bySpanId = new Map(steps.map((step) => [step.spanId, step]));
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const step of steps) {
    if (step.parentSpanId !== '' && step.parentSpanId !== step.spanId && bySpanId.has(step.parentSpanId)) {
      const list = children.get(step.parentSpanId) ?? [];
      list.push(step);
      children.set(step.parentSpanId, list);
    } else {
      roots.push(step);
    }
  }

  const ordered: { step: S; depth: number }[] = [];
  const visited = new Set<string>();
  const visit = (step: S, depth: number) => {
    if (visited.has(step.spanId)) return;
    visited.add(step.spanId);
    ordered.push({ step, depth });
    for (const child of children.get(step.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  // Parent links that loop (bad data) leave steps unreached; show them rather than drop them.
  for (const step of steps) visit(step, 0);

  let start: bigint | undefined = window ? toNanos(window.startTimeUnixNano) : undefined;
  let end: bigint | undefined = start !== undefined && window ? start + nanosOfMillis(window.durationMs) : undefined;
  for (const step of steps) {
    const stepStart = toNanos(step.startTimeUnixNano);
    if (stepStart === undefined) continue;
    const stepEnd = stepStart + nanosOfMillis(step.durationMs);
    if (start === undefined || stepStart < start) start = stepStart;
    if (end === undefined || stepEnd > end) end = stepEnd;
  }
  const origin = start ?? 0n;
  const windowMs = start !== undefined && end !== undefined ? Number(end - start) / 1e6 : 0;
  // A zero-length window (one instant step) still gets a full-width bar rather than a division by zero.
  const scale = windowMs > 0 ? windowMs : 1;

  const rows = ordered.map(({ step, depth }) => {
    const stepStart = toNanos(step.startTimeUnixNano);
    const offsetMs = stepStart === undefined ? 0 : Number(stepStart - origin) / 1e6;
    return {
      step,
      depth,
      offsetMs,
      offsetFraction: windowMs > 0 ? offsetMs / scale : 0,
      widthFraction: windowMs > 0 ? Math.max(0, step.durationMs) / scale : 1,
    };
  });
  return { rows, windowMs };
}

/**
 * The cells a bar covers on a track `trackWidth` cells wide: at least one
 * cell, so an instant step is still visible, and never past the end.
 */
export function barCells(offsetFraction: number, widthFraction: number, trackWidth: number): { start: number; length: number } {
  const clamp = (n: number) => Math.min(1, Math.max(0, n));
  const start = Math.min(trackWidth - 1, Math.floor(clamp(offsetFraction) * trackWidth));
  const end = Math.min(trackWidth, Math.max(start + 1, Math.round(clamp(offsetFraction + widthFraction) * trackWidth)));
  return { start, length: end - start };
}

export interface TimelineFilter {
  /** Only failed steps (and their ancestors). */
  failedOnly?: boolean;
  /** Only this many levels: 1 shows the top-level steps. */
  maxDepth?: number;
  /** Only steps whose name matches (and their ancestors): `*` and `?` wildcards, else a case-insensitive substring. */
  stepPattern?: string;
}

export interface TimelineOptions {
  colors: Colors;
  /** Terminal columns to fill. */
  width: number;
  /** Also print each step's input, output, model and stack, and the outcome and metadata in full. */
  verbose?: boolean;
  /** The zone the start time is shown in (and named); UTC by default. */
  timeZone?: string;
  filter?: TimelineFilter;
}

const DURATION_COLUMN = 8;
const MIN_TRACK = 10;
/** Deeper levels than this are not indented further; their depth is printed instead (`[41]`). */
export const MAX_INDENT_LEVELS = 10;

function isFailed(status: string, error: unknown): boolean {
  return status === 'failed' || error !== null;
}

function statusMark(status: string, failed: boolean, colors: Colors): string {
  if (failed) return colors.red('✗');
  if (status === 'completed') return colors.green('✓');
  return colors.yellow('•');
}

function statusWord(status: string, failed: boolean, colors: Colors): string {
  if (failed) return colors.red(`✗ ${status || 'failed'}`);
  if (status === 'completed') return colors.green(`✓ ${status}`);
  return colors.yellow(`• ${status || 'unknown'}`);
}

/**
 * A name pattern as a predicate: with `*` or `?` a whole-name glob, else a
 * substring; both case-insensitive.
 *
 * @example
 * const match = namePattern('llm_*'); match('llm_summarize'); // true
 */
export function namePattern(pattern: string): (name: string) => boolean {
  const lower = pattern.toLowerCase();
  if (!/[*?]/.test(lower)) return (name) => name.toLowerCase().includes(lower);
  const source = lower.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const regex = new RegExp(`^${source}$`, 's');
  return (name) => regex.test(name.toLowerCase());
}

/** The rows a filter keeps: matching rows within the depth, plus their ancestors, in layout order. */
export function filterRows<S extends TimelineSpan & { name: string; status: string; error: unknown }>(
  rows: TimelineRow<S>[],
  filter: TimelineFilter | undefined,
): TimelineRow<S>[] {
  if (!filter || (!filter.failedOnly && filter.maxDepth === undefined && !filter.stepPattern)) return rows;
  const matches = filter.stepPattern ? namePattern(filter.stepPattern) : () => true;
  const withinDepth = (row: TimelineRow<S>) => filter.maxDepth === undefined || row.depth < filter.maxDepth;
  const bySpanId = new Map(rows.map((row) => [row.step.spanId, row]));
  const keep = new Set<string>();
  for (const row of rows) {
    if (!withinDepth(row)) continue;
    if (filter.failedOnly && !isFailed(row.step.status, row.step.error)) continue;
    if (!matches(row.step.name)) continue;
    keep.add(row.step.spanId);
    // Ancestors give the match its context; a loop in bad data stops at a seen step.
    let parent = bySpanId.get(row.step.parentSpanId);
    while (parent && !keep.has(parent.step.spanId) && parent.step.spanId !== row.step.spanId) {
      keep.add(parent.step.spanId);
      parent = bySpanId.get(parent.step.parentSpanId);
    }
  }
  return rows.filter((row) => keep.has(row.step.spanId));
}

const compactNumber = (n: number) => n.toLocaleString('en-US');

/** Compact JSON on one line, cut to the room left. */
function jsonLine(value: unknown, room: number): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return truncate(oneLine(text ?? ''), Math.max(10, room));
}

function renderHeader(detail: ExecutionResponse, windowMs: number, options: TimelineOptions): string[] {
  const { colors } = options;
  const { execution, steps } = detail;
  const zone = options.timeZone ?? UTC;
  const label = (text: string) => colors.dim(padEnd(text, 10));
  const when = (iso: string) => `${formatTimestamp(iso, { zone })} ${zone}`;
  const room = options.width - 13;
  const lines: string[] = [];
  if (!execution) {
    const id = steps[0]?.executionId ?? '';
    lines.push(
      `${colors.bold(steps[0]?.pipeline || '(unknown pipeline)')}  ${colors.yellow('• root span not received yet')}`,
      `  ${label('execution')} ${id}`,
      `  ${label('started')} ${steps[0] ? when(steps[0].startTime) : '-'}   ${colors.dim('span')} ${formatDuration(windowMs)}   ${colors.dim('steps')} ${steps.length}`,
    );
  } else {
    const failed = execution.status === 'failed';
    lines.push(
      `${colors.bold(execution.pipeline || '(unknown pipeline)')}  ${statusWord(execution.status, failed, colors)}`,
      `  ${label('execution')} ${execution.executionId}`,
      `  ${label('started')} ${when(execution.startTime)}   ${colors.dim('duration')} ${formatDuration(execution.durationMs)}`,
      `  ${label('steps')} ${execution.stepCount}   ${colors.dim('errors')} ${execution.errorCount}   ${colors.dim('environment')} ${execution.environment || '-'}   ${colors.dim('service')} ${execution.serviceName || '-'}`,
    );
  }
  // The execution's totals when the API gave them, else the steps' (the root span not received yet).
  const inputTokens = execution?.inputTokens ?? steps.reduce((sum, step) => sum + step.inputTokens, 0);
  const outputTokens = execution?.outputTokens ?? steps.reduce((sum, step) => sum + step.outputTokens, 0);
  const cost = execution?.costUsd ?? steps.reduce((sum, step) => sum + step.costUsd, 0);
  const estimated = execution?.estimatedCostUsd ?? steps.reduce((sum, step) => sum + (step.costSource === 'estimated' ? step.costUsd : 0), 0);
  if (inputTokens + outputTokens > 0 || cost > 0) {
    const of = estimated > 0 ? colors.dim(` (${formatUsd(estimated)} estimated from the price table)`) : '';
    lines.push(`  ${label('totals')} ${compactNumber(inputTokens)} in / ${compactNumber(outputTokens)} out tokens   ${colors.dim('cost')} ${formatUsd(cost)}${of}`);
  }
  const scores = detail.scores ?? [];
  if (scores.length > 0) {
    const shown = scores.map((score) => {
      const more = score.count > 1 ? colors.dim(` (latest of ${score.count})`) : '';
      const step = score.stepSpanId ? colors.dim(` on step ${score.stepSpanId}`) : '';
      return `${score.name}=${String(score.value)}${colors.dim(` by ${score.author}`)}${step}${more}`;
    });
    shown.forEach((text, i) => lines.push(`  ${i === 0 ? label('scores') : ' '.repeat(10)} ${text}`));
  }
  if (execution) {
    if (execution.droppedSteps > 0) lines.push(`  ${label('dropped')} ${colors.yellow(`${execution.droppedSteps} steps were dropped by the SDK`)}`);
    if (execution.errorMessage) lines.push(`  ${label('error')} ${colors.red(oneLine(execution.errorMessage))}`);
    for (const [name, value] of [['outcome', execution.finalOutcome], ['metadata', execution.metadata]] as const) {
      if (value === null || value === undefined) continue;
      if (!options.verbose) {
        lines.push(`  ${label(name)} ${jsonLine(value, room)}`);
        continue;
      }
      const formatted = formatValueText(typeof value === 'string' ? value : JSON.stringify(value));
      formatted.lines.forEach((line, i) => lines.push(`  ${i === 0 ? label(name) : ' '.repeat(10)} ${truncate(line, room)}`));
    }
  }
  return lines;
}

function detailLines(step: Step, failed: boolean, indent: number, options: TimelineOptions): string[] {
  const { colors } = options;
  const pad = ' '.repeat(indent);
  const room = Math.max(20, options.width - indent);
  const lines: string[] = [];
  // The prefix marks the first line only; continuation lines line up under the text.
  const block = (text: string, styleText: (t: string) => string, prefix: string) => {
    const hang = ' '.repeat(visibleWidth(prefix));
    wrap(text.trim(), room - hang.length).forEach((line, i) => lines.push(pad + styleText((i === 0 ? prefix : hang) + line)));
  };
  if (failed && step.error) {
    const kind = step.error.type ? `${step.error.type}: ` : '';
    block(`${kind}${step.error.message || '(no message)'}`, colors.red, 'error: ');
    if (options.verbose && step.error.stack) {
      for (const line of step.error.stack.split('\n').slice(1, 11)) lines.push(pad + colors.dim(truncate(line, room)));
    }
  } else if (failed) {
    lines.push(pad + colors.red('error: (no error details)'));
  }
  if (step.reasoning.trim() !== '') block(step.reasoning, colors.dim, '› ');
  if (options.verbose) {
    if (step.model) {
      const tokens = step.inputTokens || step.outputTokens ? `   ${step.inputTokens} in / ${step.outputTokens} out tokens` : '';
      const cost = step.costUsd ? `   ${formatUsd(step.costUsd)}${step.costSource === 'estimated' ? ' (estimated)' : ''}` : '';
      lines.push(pad + colors.dim(`model: ${[step.provider, step.model].filter(Boolean).join('/')}${tokens}${cost}`));
    }
    for (const [name, text] of [['input', step.input], ['output', step.output]] as const) {
      if (text === '') continue;
      const value = formatValueText(text);
      lines.push(pad + colors.cyan(`${name}:`));
      let cut = value.truncated;
      for (const line of value.lines) {
        const shown = truncate(line, room - 2);
        cut ||= shown !== line;
        lines.push(pad + '  ' + shown);
      }
      if (cut) lines.push(pad + colors.dim('  (long values truncated; `xray show --json` prints them in full)'));
    }
  }
  return lines;
}

/** What the filter flags were, for the "showing" line. */
function describeFilter(filter: TimelineFilter): string {
  const parts: string[] = [];
  if (filter.failedOnly) parts.push('--failed');
  if (filter.maxDepth !== undefined) parts.push(`--depth ${filter.maxDepth}`);
  if (filter.stepPattern) parts.push(`--step ${JSON.stringify(filter.stepPattern)}`);
  return parts.join(' ');
}

/** The indent and depth marker of a row: two spaces a level up to MAX_INDENT_LEVELS, then `[depth] `. */
function indentOf(depth: number): { indent: string; marker: string } {
  const levels = Math.min(depth, MAX_INDENT_LEVELS);
  return { indent: '  '.repeat(levels), marker: depth > MAX_INDENT_LEVELS ? `[${depth}] ` : '' };
}

/**
 * The whole `xray show` output for one execution.
 *
 * @example
 * process.stdout.write(renderTimeline(await client.get(`/api/v1/executions/${id}`), { colors, width: 100 }) + '\n');
 */
export function renderTimeline(detail: ExecutionResponse, options: TimelineOptions): string {
  const { colors } = options;
  const { execution, steps } = detail;
  const layout = layoutTimeline(
    steps,
    execution ? { startTimeUnixNano: execution.startTimeUnixNano, durationMs: execution.durationMs } : undefined,
  );
  const lines = renderHeader(detail, layout.windowMs, options);
  const rows = filterRows(layout.rows, options.filter);
  if (rows.length !== layout.rows.length && options.filter) {
    lines.push(`  ${colors.dim(padEnd('showing', 10))} ${rows.length} of ${layout.rows.length} steps (${describeFilter(options.filter)}; ancestors kept for context)`);
  }
  lines.push('');
  if (layout.rows.length === 0) {
    lines.push(colors.dim('  No steps recorded.'));
    return lines.join('\n');
  }
  if (rows.length === 0) {
    lines.push(colors.dim(`  No steps match ${describeFilter(options.filter ?? {})}.`));
    return lines.join('\n');
  }

  const labelWidths = rows.map((row) => {
    const { indent, marker } = indentOf(row.depth);
    return indent.length + marker.length + visibleWidth(oneLine(row.step.name));
  });
  // Names get at least 40% of the width (24 columns on a narrow terminal), however deep the tree.
  const nameColumn = Math.min(Math.max(...labelWidths), Math.max(24, Math.floor(options.width * 0.4)));
  // mark + space, names, two spaces, the track, two spaces, the duration
  const track = Math.max(MIN_TRACK, options.width - 2 - nameColumn - 2 - 2 - DURATION_COLUMN);
  const ruler = padStart(formatDuration(layout.windowMs), track - 1);
  lines.push(colors.dim(`${' '.repeat(2 + nameColumn + 2)}0${ruler}`));

  for (const row of rows) {
    const { step } = row;
    const failed = isFailed(step.status, step.error);
    const { indent, marker } = indentOf(row.depth);
    const name = truncate(oneLine(step.name), Math.max(1, nameColumn - indent.length - marker.length));
    const label = padEnd(indent + colors.dim(marker) + (failed ? colors.red(name) : name), nameColumn);
    const { start, length } = barCells(row.offsetFraction, row.widthFraction, track);
    const paint = failed ? colors.red : step.status === 'completed' ? colors.green : colors.yellow;
    const bar = colors.dim('·'.repeat(start)) + paint('█'.repeat(length)) + colors.dim('·'.repeat(track - start - length));
    lines.push(`${statusMark(step.status, failed, colors)} ${label}  ${bar}  ${padStart(formatDuration(step.durationMs), DURATION_COLUMN)}`);
    lines.push(...detailLines(step, failed, 2 + indent.length + 2, options));
  }
  return lines.join('\n');
}
