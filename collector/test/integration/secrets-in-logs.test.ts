/**
 * Keys and tokens never appear in the collector's log or its error replies:
 * a whole flow (apps and keys issued and revoked through the admin API,
 * ingest with both header forms, reads, refused and malformed credentials,
 * admin SQL) runs with the collector's own logger at trace level writing to a
 * buffer, on both backends; then the log and every reply body are searched
 * for each secret used.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { adminSql, startCollector } from '../support/collector-harness.js';
import type { BackendKind } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

describe.each<BackendKind>(['embedded', 'server'])('secrets in logs (%s backend)', (backend) => {
  it('logs no key or token anywhere in a whole flow at trace level', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const adminToken = `xradm_${randomBytes(24).toString('base64url')}`;
    const harness = await startCollector({ backend, adminToken, logger: createLogger({ level: 'trace', destination }) });
    const replies: string[] = [];
    /** Replies that issue a key show it, once, by design; every other reply is searched. */
    const call = async (path: string, init: RequestInit = {}, issuesKey = false) => {
      const response = await fetch(`${harness.url}${path}`, init);
      const text = await response.text();
      if (!issuesKey) replies.push(text);
      return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
    };
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const adminNoBody = { authorization: `Bearer ${adminToken}` };
    const unknownKey = `xr_${randomBytes(24).toString('base64url')}`;
    try {
      const created = await call('/api/v1/admin/apps', { method: 'POST', headers: admin, body: JSON.stringify({ appId: 'shop' }) }, true);
      expect(created.status).toBe(201);
      const shopKey: string = created.body.apiKey;
      const issued = await call('/api/v1/admin/apps/shop/keys', { method: 'POST', headers: admin, body: JSON.stringify({ name: 'second' }) }, true);
      expect(issued.status).toBe(201);
      const secondKey: string = issued.body.apiKey;
      expect((await call('/api/v1/admin/apps/shop/keys', { headers: admin })).status).toBe(200);

      const execution = executionSpans({ pipeline: 'secrets', steps: [{ name: 'a' }] });
      expect((await postJson(harness.url, shopKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      const viaHeader = await fetch(`${harness.url}/v1/traces`, {
        method: 'POST',
        headers: { 'x-api-key': secondKey, 'content-type': 'application/json' },
        body: jsonRequest([execution.root]),
      });
      replies.push(await viaHeader.text());
      expect(viaHeader.status).toBe(200);
      for (const badKey of [unknownKey, adminToken, `${shopKey}x`]) {
        const refused = await postJson(harness.url, badKey, jsonRequest([execution.root]));
        expect(refused.status).toBe(401);
      }
      expect((await call('/api/v1/executions', { headers: { authorization: `Bearer ${shopKey}` } })).status).toBe(200);
      expect((await call('/api/v1/executions', { headers: { 'x-api-key': unknownKey } })).status).toBe(401);
      expect((await call('/api/v1/executions', { headers: { authorization: `Basic ${Buffer.from(`u:${shopKey}`).toString('base64')}` } })).status).toBe(401);
      expect((await call('/api/v1/admin/apps', { headers: { authorization: `Bearer ${shopKey}` } })).status).toBe(403);
      expect((await call('/api/v1/executions?limit=oops', { headers: { authorization: `Bearer ${secondKey}` } })).status).toBe(400);

      replies.push(JSON.stringify((await adminSql(harness, 'SELECT key_prefix, key_hash FROM api_keys FINAL')).body));
      replies.push(JSON.stringify((await adminSql(harness, "SELECT * FROM file('x')")).body));
      const prefix = secondKey.slice(0, 11);
      // Revoking refuses a prefix shorter than the stored one (it could match several keys).
      const short = await call(`/api/v1/admin/apps/shop/keys/${prefix.slice(0, 6)}`, { method: 'DELETE', headers: adminNoBody });
      expect({ status: short.status, code: short.body.error?.code }).toEqual({ status: 400, code: 'XRAY_ERR_KEY_PREFIX_TOO_SHORT' });
      // A whole key pasted where the prefix goes is refused, and masked wherever the URL is logged or audited.
      expect((await call(`/api/v1/admin/apps/shop/keys/${secondKey}`, { method: 'DELETE', headers: adminNoBody })).status).toBe(400);
      expect((await call(`/api/v1/admin/apps/shop/keys/${prefix}`, { method: 'DELETE', headers: adminNoBody })).status).toBe(200);
      await harness.xray.audit.writer.flush();
      replies.push(JSON.stringify((await adminSql(harness, 'SELECT path, params FROM audit_log')).body));
      expect((await call('/api/v1/executions', { headers: { authorization: `Bearer ${secondKey}` } })).status).toBe(401);

      const log = lines.join('');
      expect(log).toContain('"msg":"request"');
      expect(log).toContain(`/api/v1/admin/apps/shop/keys/${secondKey.slice(0, 11)}…`);
      // One line per request (request-log/) plus the collector's own.
      expect(log.split('\n').length).toBeGreaterThan(15);
      for (const secret of [harness.apiKey, shopKey, secondKey, unknownKey, adminToken]) {
        expect(log).not.toContain(secret);
        expect(replies.join('\n')).not.toContain(secret);
      }
    } finally {
      await harness.close();
    }
  }, 60_000);
});
