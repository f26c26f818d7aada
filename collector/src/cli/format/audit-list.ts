/** `xray audit` as a table: who did what, when, with what outcome. */
import type { AuditEntry, AuditResponse } from '../api-types.js';
import type { Colors } from './colors.js';
import { UTC, formatTimestamp } from './time-zone.js';
import { nextPageHint } from './execution-list.js';
import { renderTable } from './table.js';

export interface AuditListOptions {
  colors: Colors;
  maxWidth?: number;
  /** IANA zone for times; UTC when omitted. */
  timeZone?: string;
}

/**
 * @example
 * ctx.out(renderAuditList(await client.get('/api/v1/admin/audit', …), { colors }));
 */
export function renderAuditList(page: AuditResponse, options: AuditListOptions): string {
  const { colors } = options;
  if (page.entries.length === 0) return colors.dim('No audit entries match.');
  const table = renderTable(
    [
      {
        header: `TIME (${options.timeZone ?? UTC})`,
        value: (e: AuditEntry) => formatTimestamp(`${e.time.replace(' ', 'T')}Z`, { zone: options.timeZone, seconds: true }),
      },
      { header: 'ACTOR', value: (e: AuditEntry) => e.actor },
      { header: 'APP', value: (e: AuditEntry) => e.appId || '-' },
      { header: 'REQUEST', value: (e: AuditEntry) => `${e.method} ${e.path}`, shrink: true, minWidth: 20 },
      {
        header: 'STATUS',
        value: (e: AuditEntry) => String(e.status),
        align: 'right',
        style: (text, e) => (e.status >= 400 ? colors.red(text) : colors.green(text)),
      },
      { header: 'ROWS', value: (e: AuditEntry) => String(e.rows), align: 'right' },
      { header: 'MS', value: (e: AuditEntry) => e.durationMs.toFixed(1), align: 'right' },
    ],
    page.entries,
    options,
  );
  return [table, ...nextPageHint(page.nextCursor, colors)].join('\n');
}
