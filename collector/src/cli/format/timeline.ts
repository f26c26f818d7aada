/**
 * `xray show`: one execution as a timeline in the terminal. The layout (tree
 * depth from parent span ids, where each bar starts and how long it is) is a
 * pure function of the steps, separate from drawing, so both are unit-tested
 * without a terminal.
 */
import type { ExecutionDetail, ExecutionResponse, Step } from '../api-types.js';
import type { Colors } from './colors.js';
import { formatDuration, formatTimestamp } from './duration.js';
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

export interface TimelineOptions {
  colors: Colors;
  /** Terminal columns to fill. */
  width: number;
  /** Also print each step's input, output, model and stack. */
  verbose?: boolean;
  /** Print times in UTC (tests); local time otherwise. */
  utc?: boolean;
}

const DURATION_COLUMN = 8;
const MIN_TRACK = 10;

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

function renderHeader(execution: ExecutionDetail | null, steps: Step[], windowMs: number, options: TimelineOptions): string[] {
  const { colors } = options;
  const label = (text: string) => colors.dim(padEnd(text, 10));
  if (!execution) {
    const id = steps[0]?.executionId ?? '';
    return [
      `${colors.bold(steps[0]?.pipeline || '(unknown pipeline)')}  ${colors.yellow('• root span not received yet')}`,
      `  ${label('execution')} ${id}`,
      `  ${label('started')} ${steps[0] ? formatTimestamp(steps[0].startTime, { utc: options.utc }) : '-'}   ${colors.dim('span')} ${formatDuration(windowMs)}   ${colors.dim('steps')} ${steps.length}`,
    ];
  }
  const failed = execution.status === 'failed';
  const lines = [
    `${colors.bold(execution.pipeline || '(unknown pipeline)')}  ${statusWord(execution.status, failed, colors)}`,
    `  ${label('execution')} ${execution.executionId}`,
    `  ${label('started')} ${formatTimestamp(execution.startTime, { utc: options.utc })}   ${colors.dim('duration')} ${formatDuration(execution.durationMs)}`,
    `  ${label('steps')} ${execution.stepCount}   ${colors.dim('errors')} ${execution.errorCount}   ${colors.dim('environment')} ${execution.environment || '-'}   ${colors.dim('service')} ${execution.serviceName || '-'}`,
  ];
  if (execution.droppedSteps > 0) lines.push(`  ${label('dropped')} ${colors.yellow(`${execution.droppedSteps} steps were dropped by the SDK`)}`);
  if (execution.errorMessage) lines.push(`  ${label('error')} ${colors.red(oneLine(execution.errorMessage))}`);
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
      const cost = step.costUsd ? `   $${step.costUsd.toFixed(4)}` : '';
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
  const lines = renderHeader(execution, steps, layout.windowMs, options);
  lines.push('');
  if (layout.rows.length === 0) {
    lines.push(colors.dim('  No steps recorded.'));
    return lines.join('\n');
  }

  const labelWidths = layout.rows.map((row) => 2 * row.depth + visibleWidth(oneLine(row.step.name)));
  const nameColumn = Math.min(Math.max(...labelWidths), Math.max(12, Math.floor(options.width * 0.35)));
  // mark + space, names, two spaces, the track, two spaces, the duration
  const track = Math.max(MIN_TRACK, options.width - 2 - nameColumn - 2 - 2 - DURATION_COLUMN);
  const ruler = padStart(formatDuration(layout.windowMs), track - 1);
  lines.push(colors.dim(`${' '.repeat(2 + nameColumn + 2)}0${ruler}`));

  for (const row of layout.rows) {
    const { step } = row;
    const failed = isFailed(step.status, step.error);
    const indent = '  '.repeat(row.depth);
    const name = truncate(oneLine(step.name), Math.max(1, nameColumn - indent.length));
    const label = padEnd(indent + (failed ? colors.red(name) : name), nameColumn);
    const { start, length } = barCells(row.offsetFraction, row.widthFraction, track);
    const paint = failed ? colors.red : step.status === 'completed' ? colors.green : colors.yellow;
    const bar = colors.dim('·'.repeat(start)) + paint('█'.repeat(length)) + colors.dim('·'.repeat(track - start - length));
    lines.push(`${statusMark(step.status, failed, colors)} ${label}  ${bar}  ${padStart(formatDuration(step.durationMs), DURATION_COLUMN)}`);
    lines.push(...detailLines(step, failed, 2 + indent.length + 2, options));
  }
  return lines.join('\n');
}
