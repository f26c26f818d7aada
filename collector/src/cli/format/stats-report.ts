/**
 * `xray stats`: the summary numbers, then failure rate per time bucket as a
 * short bar per bucket (enough to spot when things went wrong; Grafana is
 * the place for real charts).
 */
import type { FailureRateResponse, SummaryResponse } from '../api-types.js';
import type { Colors } from './colors.js';
import { formatDuration, formatInterval, formatPercent } from './duration.js';
import { UTC, formatTimestamp } from './time-zone.js';
import { padEnd, padStart } from './text.js';

export interface StatsOptions {
  colors: Colors;
  /** The zone times are shown in (named after the window); UTC by default. */
  timeZone?: string;
  /** Most buckets listed per pipeline (the latest ones). */
  maxBuckets?: number;
}

const BAR_CELLS = 10;

/** A failure-rate bar; any failure shows at least one cell so it cannot round away. */
export function rateBar(fraction: number, failed: number, colors: Colors): string {
  let filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_CELLS);
  if (failed > 0 && filled === 0) filled = 1;
  return colors.red('█'.repeat(filled)) + colors.dim('░'.repeat(BAR_CELLS - filled));
}

/**
 * @example
 * ctx.out(renderStats(summary, failureRate, { colors }));
 */
export function renderStats(summary: SummaryResponse, rate: FailureRateResponse, options: StatsOptions): string {
  const { colors } = options;
  const maxBuckets = options.maxBuckets ?? 24;
  const label = (text: string) => colors.dim(padEnd(text, 12));
  const zone = options.timeZone ?? UTC;
  const when = (iso: string) => formatTimestamp(iso, { zone, seconds: false });
  const failedText = `${summary.failed} (${formatPercent(summary.failureRate)})`;
  const lines = [
    `${label('window')}${when(summary.from)} → ${when(summary.to)} ${zone}`,
    `${label('executions')}${summary.executions}`,
    `${label('failed')}${summary.failed > 0 ? colors.red(failedText) : failedText}`,
    summary.executions === 0
      ? `${label('duration')}-`
      : `${label('duration')}avg ${formatDuration(summary.avgDurationMs)}   p50 ${formatDuration(summary.p50DurationMs)}   p95 ${formatDuration(summary.p95DurationMs)}`,
    '',
  ];
  if (rate.series.length === 0) {
    lines.push(colors.dim('No executions in this window.'));
    return lines.join('\n');
  }
  lines.push(colors.bold(`Failure rate per ${formatInterval(rate.intervalSeconds)}`) + colors.dim(` (bucket start, ${zone})`));
  for (const series of rate.series) {
    lines.push(`  ${colors.bold(series.pipeline || '(no pipeline)')}`);
    const shown = series.points.slice(-maxBuckets);
    if (shown.length < series.points.length) {
      lines.push(colors.dim(`    (${series.points.length - shown.length} earlier buckets not shown; --json lists them all)`));
    }
    for (const point of shown) {
      lines.push(
        `    ${when(point.time)}  ${rateBar(point.failureRate, point.failed, colors)}  ${padStart(formatPercent(point.failureRate), 6)}  ${colors.dim(`${point.failed}/${point.executions}`)}`,
      );
    }
  }
  return lines.join('\n');
}
