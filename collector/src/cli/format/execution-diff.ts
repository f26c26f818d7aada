/**
 * `xray diff` output: both executions side by side in one header, then the
 * merged step tree with `+` added, `-` removed, `~` changed (each change on
 * its own line, JSON values as path-by-path changes) and, with `all`, `=`
 * unchanged steps. Pure: the caller prints the string.
 */
import type { JsonChange } from '@xray/sdk/json-diff';
import type { CompareResponse } from '../api-types.js';
import type { Colors } from './colors.js';
import { formatDuration } from './duration.js';
import { UTC, formatTimestamp } from './time-zone.js';

export interface RenderDiffOptions {
  colors: Colors;
  /** Also list unchanged steps. */
  all?: boolean;
  /** Longest value printed before it is cut. */
  maxValueChars?: number;
  /** IANA zone for start times; UTC when omitted. */
  timeZone?: string;
}

type FieldChange = CompareResponse['steps'][number]['changes'][number] | CompareResponse['execution']['changes'][number];

/** A value for one line of a diff: JSON, cut at `maxChars`. */
export function short(value: unknown, maxChars: number): string {
  const text = value === undefined ? '(none)' : typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (+${text.length - maxChars} chars)`;
}

function changeLines(change: FieldChange, colors: Colors, maxChars: number): string[] {
  if (change.field === 'durationMs' && typeof change.before === 'number' && typeof change.after === 'number') {
    const delta = change.deltaMs ?? change.after - change.before;
    const sign = delta >= 0 ? '+' : '-';
    return [`duration: ${formatDuration(change.before)} → ${formatDuration(change.after)} (${sign}${formatDuration(Math.abs(delta))})`];
  }
  if (change.diff) return [`${change.field}:`, ...jsonChangeLines(change.diff, change.diffTruncated === true, colors, maxChars)];
  return [`${change.field}: ${short(change.before, maxChars)} → ${short(change.after, maxChars)}`];
}

/** One line per JSON change (`+ path: value`, `- path: value`, `~ path: before → after`), indented two spaces. */
export function jsonChangeLines(changes: readonly JsonChange[], truncated: boolean, colors: Colors, maxChars: number): string[] {
  const lines: string[] = [];
  for (const item of changes) {
    const path = item.path;
    if (item.kind === 'added') lines.push(`  ${colors.green(`+ ${path}: ${short(item.after, maxChars)}`)}`);
    else if (item.kind === 'removed') lines.push(`  ${colors.red(`- ${path}: ${short(item.before, maxChars)}`)}`);
    else lines.push(`  ~ ${path}: ${short(item.before, maxChars)} → ${short(item.after, maxChars)}`);
  }
  if (truncated) lines.push(colors.dim('  … more differences (--json lists them)'));
  return lines;
}

const MARKS = { added: '+', removed: '-', changed: '~', unchanged: '=' } as const;

/**
 * @example
 * renderExecutionDiff(await client.get('/api/v1/executions/compare', …), { colors: createColors(false) });
 */
export function renderExecutionDiff(result: CompareResponse, options: RenderDiffOptions): string {
  const { colors } = options;
  const maxChars = options.maxValueChars ?? 120;
  const describe = (label: string, side: CompareResponse['a']) =>
    `${label} ${side.executionId}  ${side.pipeline}  ${side.status}  ${formatDuration(side.durationMs)}  ${side.stepCount} steps  ${formatTimestamp(side.startTime, { zone: options.timeZone })} ${options.timeZone ?? UTC}`;
  const lines = [describe('A', result.a), describe('B', result.b), ''];

  if (result.execution.changes.length > 0) {
    lines.push(colors.bold('execution'));
    for (const change of result.execution.changes) for (const line of changeLines(change, colors, maxChars)) lines.push(`    ${line}`);
    lines.push('');
  }

  const shown = result.steps.filter((step) => options.all || step.kind !== 'unchanged');
  for (const step of shown) {
    const indent = '  '.repeat(step.depth);
    const label = `${MARKS[step.kind]} ${indent}${step.path[step.path.length - 1]}`;
    const paint = step.kind === 'added' ? colors.green : step.kind === 'removed' ? colors.red : step.kind === 'changed' ? colors.yellow : colors.dim;
    lines.push(paint(label));
    for (const change of step.changes) for (const line of changeLines(change, colors, maxChars)) lines.push(`    ${indent}${line}`);
  }
  if (shown.length === 0) lines.push(colors.dim('The steps are the same.'));
  const { added, removed, changed, unchanged } = result.summary;
  lines.push('', `${added} added, ${removed} removed, ${changed} changed, ${unchanged} unchanged`);
  return lines.join('\n');
}
