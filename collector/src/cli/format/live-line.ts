/**
 * One line per execution for `xray tail`: the columns of `xray executions`,
 * but written as events arrive, so widths are fixed instead of measured.
 */
import type { ExecutionSummary } from '../api-types.js';
import { colorStatus } from './colors.js';
import type { Colors } from './colors.js';
import { formatDuration } from './duration.js';
import { formatTimestamp } from './time-zone.js';

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const padStart = (text: string, width: number) => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

export const LIVE_HEADER = `${pad('TIME', 20)} ${pad('ID', 32)}  ${pad('PIPELINE', 16)} ${pad('ENV', 8)} ${pad('STATUS', 9)} ${padStart('STEPS', 5)} ${padStart('ERRORS', 6)} ${padStart('DURATION', 9)}`;

/**
 * @example
 * renderLiveLine(execution, { colors: createColors(false), timeZone: 'UTC' });
 * // '2024-05-01 14:02:11Z  4bf92f35…  loan-approval    prod     failed        5      1    1.20 s'
 */
export function renderLiveLine(execution: ExecutionSummary, options: { colors: Colors; timeZone?: string }): string {
  return [
    pad(formatTimestamp(execution.startTime, { zone: options.timeZone }), 20),
    pad(execution.executionId, 32),
    ` ${pad(execution.pipeline, 16)}`,
    pad(execution.environment || '-', 8),
    colorStatus(options.colors, execution.status, pad(execution.status, 9)),
    padStart(String(execution.stepCount), 5),
    padStart(String(execution.errorCount), 6),
    padStart(formatDuration(execution.durationMs), 9),
  ].join(' ');
}
