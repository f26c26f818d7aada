/**
 * `xray cost`: tokens and cost per pipeline, model or provider for a window
 * (most expensive first, then a total), or with an interval one row per
 * bucket and key. Pure: the command fetches, this only draws.
 */
import type { CostResponse } from '../api-types.js';
import type { Colors } from './colors.js';
import { formatInterval } from './duration.js';
import { formatCost, formatCount, formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Column } from './table.js';
import { UTC, formatTimestamp } from './time-zone.js';

export interface CostReportOptions {
  colors: Colors;
  maxWidth?: number;
  timeZone?: string;
  /** One row per bucket and key instead of one per key. */
  perBucket: boolean;
}

interface Row {
  time?: string;
  key: string;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
}

/**
 * @example
 * ctx.out(renderCostReport(await client.get('/api/v1/stats/cost', …), { colors, perBucket: false }));
 */
export function renderCostReport(report: CostResponse, options: CostReportOptions): string {
  const { colors } = options;
  const zone = options.timeZone ?? UTC;
  const when = (iso: string) => formatTimestamp(iso, { zone, seconds: false });
  const lines = [`${colors.dim('window')}  ${when(report.from)} → ${when(report.to)} ${zone}`, ''];
  if (report.series.length === 0) {
    lines.push(colors.dim('No steps with token usage or cost in this window.'));
    return lines.join('\n');
  }
  const keyHeader = report.groupBy.toUpperCase();
  const rows: Row[] = options.perBucket
    ? report.series
        .flatMap((series) => series.points.map((point) => ({ ...point, key: series.key })))
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : b.costUsd - a.costUsd))
    : report.series.map((series) => ({ key: series.key, ...series.totals })).sort((a, b) => b.costUsd - a.costUsd || b.inputTokens - a.inputTokens);
  if (!options.perBucket) rows.push({ key: 'TOTAL', ...report.totals });
  const columns: Column<Row>[] = [
    ...(options.perBucket ? [{ header: `TIME (${zone})`, value: (row: Row) => (row.time ? when(row.time) : '') }] : []),
    {
      header: keyHeader,
      value: (row) => row.key || `(no ${report.groupBy})`,
      shrink: true,
      style: (text, row) => (row.key === 'TOTAL' && !options.perBucket ? colors.bold(text) : text),
    },
    { header: 'STEPS', value: (row) => formatCount(row.steps), align: 'right' },
    { header: 'INPUT TOKENS', value: (row) => formatCount(row.inputTokens), align: 'right' },
    { header: 'OUTPUT TOKENS', value: (row) => formatCount(row.outputTokens), align: 'right' },
    { header: 'COST', value: (row) => formatCost(row.costUsd, row.estimatedCostUsd), align: 'right' },
    { header: 'ESTIMATED', value: (row) => formatUsd(row.estimatedCostUsd), align: 'right', style: (text) => colors.dim(text) },
  ];
  lines.push(renderTable(columns, rows, options));
  if (options.perBucket) lines.push('', colors.dim(`Buckets of ${formatInterval(report.intervalSeconds)} (start, ${zone}).`));
  if (report.totals.estimatedCostUsd > 0) {
    lines.push('', colors.dim('~ part of the cost is estimated from the price table (XRAY_PRICE_TABLE): the ESTIMATED column.'));
  }
  return lines.join('\n');
}
