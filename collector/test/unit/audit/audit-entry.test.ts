import { describe, expect, it } from 'vitest';
import { rowsInPayload, toAuditEntry, toClickHouseTime } from '../../../src/audit/audit-entry.js';

const base = {
  method: 'GET',
  path: '/api/v1/executions',
  route: '/api/v1/executions',
  query: {},
  params: {},
  body: undefined,
  appId: 'shop',
  actor: 'xr_AbCdEfGh',
  status: 200,
  rows: 3,
  durationMillis: 12.34567,
  requestId: 'r1',
  startedAtMillis: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
};

describe('audit/audit-entry', () => {
  describe('toAuditEntry', () => {
    it('keeps the query, route parameters and body, without fields named like secrets', () => {
      const entry = toAuditEntry({
        ...base,
        query: { limit: 5, api_key: 'xr_leak1', token: 't', pipeline: 'p' },
        params: { appId: 'shop', keyPrefix: 'xr_AbCdEfGh' },
        body: { name: 'ci', signingSecret: 's', password: 'p', sql: 'SELECT 1' },
      });
      expect(JSON.parse(entry.params)).toEqual({
        query: { limit: 5, pipeline: 'p' },
        params: { appId: 'shop', keyPrefix: 'xr_AbCdEfGh' },
        body: { name: 'ci', sql: 'SELECT 1' },
      });
    });

    it('cuts long values and the whole parameter text to a bounded size', () => {
      const entry = toAuditEntry({ ...base, body: { sql: 'x'.repeat(50_000), other: 'y'.repeat(50_000), more: 'z'.repeat(50_000), last: 'w'.repeat(50_000), fifth: 'v'.repeat(50_000) } });
      expect(entry.params.length).toBeLessThanOrEqual(8_193);
    });

    it('writes the start time in ClickHouse text form and rounds the duration', () => {
      const entry = toAuditEntry(base);
      expect(entry.time).toBe('2026-01-02 03:04:05.678');
      expect(entry.duration_ms).toBe(12.346);
      expect(entry).toMatchObject({ app_id: 'shop', actor: 'xr_AbCdEfGh', status: 200, rows: 3, route: '/api/v1/executions' });
    });
  });

  describe('toClickHouseTime', () => {
    it('is UTC with milliseconds and no zone letter', () => {
      expect(toClickHouseTime(0)).toBe('1970-01-01 00:00:00.000');
    });
  });

  describe('rowsInPayload', () => {
    it('counts the longest array of a reply, 1 for a single object, 0 for an error', () => {
      expect(rowsInPayload(200, { executions: [1, 2, 3], nextCursor: null })).toBe(3);
      expect(rowsInPayload(200, { execution: { id: 'x' }, steps: [1, 2] })).toBe(2);
      expect(rowsInPayload(200, { status: 'ok' })).toBe(1);
      expect(rowsInPayload(200, [1, 2])).toBe(2);
      expect(rowsInPayload(404, { error: { code: 'XRAY_ERR_NOT_FOUND' } })).toBe(0);
    });
  });
});
