/**
 * Reads `audit_log` for GET /api/v1/admin/audit, newest first, filtered and
 * paged by a cursor (the last row's time and request id), and sets the
 * table's own retention at start-up. All SQL parameterized.
 */
import type { ClickHouseBackend } from '../store/index.js';
import { readRetentionDays } from '../store/index.js';
import { Conditions, numeric } from '../store/sql.js';
import type { AuditEntry } from './audit-writer.js';

export interface AuditFilter {
  appId?: string;
  route?: string;
  status?: number;
  actor?: string;
  sinceMillis?: number;
  untilMillis?: number;
  /** Strictly older than this entry (time in unix ms, request id). */
  before?: { timeMillis: string; requestId: string };
  limit: number;
}

/** An audit row as read back: the written fields, camel-cased where they differ, plus the time in unix ms for the cursor. */
export type AuditRecord = Pick<AuditEntry, 'actor' | 'method' | 'route' | 'path' | 'params' | 'status' | 'rows'> & {
  time: string;
  timeMillis: string;
  appId: string;
  requestId: string;
  durationMs: number;
};

export interface AuditRepository {
  list(filter: AuditFilter): Promise<AuditRecord[]>;
}


export function createAuditRepository(backend: ClickHouseBackend): AuditRepository {
  return {
    async list(filter) {
      const where = new Conditions()
        .addIf(filter.appId, 'app_id = {appId:String}', 'appId')
        .addIf(filter.route, 'route = {route:String}', 'route')
        .addIf(filter.actor, 'actor = {actor:String}', 'actor');
      if (filter.status !== undefined) where.add('status = {status:UInt16}', { status: filter.status });
      if (filter.sinceMillis !== undefined) where.add("time >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')", { since: filter.sinceMillis });
      if (filter.untilMillis !== undefined) where.add("time < fromUnixTimestamp64Milli({until:Int64}, 'UTC')", { until: filter.untilMillis });
      if (filter.before) {
        where.add(
          "(time, request_id) < (fromUnixTimestamp64Milli({beforeMillis:Int64}, 'UTC'), {beforeId:String})",
          { beforeMillis: filter.before.timeMillis, beforeId: filter.before.requestId },
        );
      }
      const rows = await backend.query<Omit<AuditRecord, 'time'> & { time_text: string }>(
        `SELECT toString(time) AS time_text, toString(toUnixTimestamp64Milli(time)) AS timeMillis, app_id AS appId,
                request_id AS requestId, actor, method, route, path, params, status, rows, duration_ms AS durationMs
         FROM audit_log
         ${where.parts.length > 0 ? `WHERE ${where.sql}` : ''}
         ORDER BY time DESC, request_id DESC
         LIMIT {limit:UInt32}`,
        { ...where.params, limit: filter.limit },
      );
      return rows.map(({ time_text, ...row }) => ({ ...numeric(row, ['status', 'rows', 'durationMs']), time: time_text }));
    },
  };
}

/** Sets audit_log's TTL to `days` days, only when it differs from the one in force. */
export async function applyAuditRetention(backend: ClickHouseBackend, days: number): Promise<boolean> {
  if ((await readRetentionDays(backend, 'audit_log')) === days) return false;
  await backend.command('ALTER TABLE audit_log MODIFY TTL toDateTime(time) + toIntervalDay({days:UInt32})', { days });
  return true;
}
