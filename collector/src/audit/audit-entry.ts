/**
 * Turns an answered request into an audit entry (pure: no I/O, no clock).
 * Parameters are the query string, the route parameters and, for admin
 * actions, the body, each without fields named like secrets, with anything
 * shaped like a whole key or token masked, and cut to a bounded size. A
 * reply is recorded only for routes that ask for it (`config.auditReply`:
 * replies saying what an action did, such as what a deletion erased); any
 * other may hold a new key.
 */
import { maskSecrets } from '../auth/mask-secrets.js';
import type { AuditEntry } from './audit-writer.js';

/** Field names that may hold a credential; their values are never recorded. */
const SECRET_NAME = /secret|token|password|signature|authorization|^api_?key$|^key$/i;
const MAX_VALUE_CHARS = 2_048;
const MAX_PARAMS_CHARS = 8_192;

export interface AnsweredRequest {
  method: string;
  /** The path as requested, without the query string. */
  path: string;
  /** The route pattern, e.g. `/api/v1/executions/:executionId`; `unmatched` when none. */
  route: string;
  query: unknown;
  params: unknown;
  /** Recorded for admin actions only. */
  body: unknown;
  /** The reply, for routes that record it (`config.auditReply`); undefined otherwise. */
  reply?: unknown;
  appId: string;
  actor: string;
  status: number;
  rows: number;
  durationMillis: number;
  requestId: string;
  startedAtMillis: number;
}

function withoutSecrets(value: unknown): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_NAME.test(name)) continue;
    out[name] = typeof field === 'string' && field.length > MAX_VALUE_CHARS ? `${field.slice(0, MAX_VALUE_CHARS)}…` : field;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** `YYYY-MM-DD hh:mm:ss.sss` (UTC), the text form ClickHouse reads for DateTime64(3). */
export function toClickHouseTime(millis: number): string {
  return new Date(millis).toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * Builds the audit row of one answered request.
 *
 * @example
 * toAuditEntry({ method: 'GET', path: '/api/v1/executions', route: '/api/v1/executions', query: { limit: '5' }, … })
 */
export function toAuditEntry(request: AnsweredRequest): AuditEntry {
  const recorded = {
    query: withoutSecrets(request.query),
    params: withoutSecrets(request.params),
    body: withoutSecrets(request.body),
    reply: withoutSecrets(request.reply),
  };
  let params = maskSecrets(JSON.stringify(recorded));
  if (params.length > MAX_PARAMS_CHARS) params = `${params.slice(0, MAX_PARAMS_CHARS)}…`;
  return {
    app_id: request.appId,
    time: toClickHouseTime(request.startedAtMillis),
    request_id: request.requestId,
    actor: request.actor,
    method: request.method,
    route: request.route,
    path: maskSecrets(request.path.slice(0, MAX_VALUE_CHARS)),
    params,
    status: request.status,
    rows: request.rows,
    duration_ms: Math.round(request.durationMillis * 1000) / 1000,
  };
}

/**
 * Rows a reply carries, read from its payload before serialization: the
 * length of its longest array (`executions`, `steps`, `rows`, `apps`, …), 1
 * for a single object, 0 for an error.
 */
export function rowsInPayload(status: number, payload: unknown): number {
  if (status >= 400 || payload === null || payload === undefined) return 0;
  if (Array.isArray(payload)) return payload.length;
  if (typeof payload !== 'object') return 1;
  let longest = -1;
  for (const value of Object.values(payload as Record<string, unknown>)) if (Array.isArray(value)) longest = Math.max(longest, value.length);
  return longest >= 0 ? longest : 1;
}
