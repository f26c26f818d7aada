/**
 * The audit log against a real collector (both backends): query-API reads and
 * admin actions are recorded with actor, app, route, parameters without
 * secrets, status, rows and duration; GET /api/v1/admin/audit filters and
 * pages them; `xray audit` prints them; /metrics counts what was written.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSql, getJson, startCollector } from '../../support/collector-harness.js';
import type { AuditEntry } from '../../../src/cli/api-types.js';
import type { BackendKind, Harness } from '../../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

type Entry = AuditEntry;

describe.each<BackendKind>(['embedded', 'server'])('audit log (%s backend)', (backend) => {
  let harness: Harness;
  const admin = () => ({ authorization: `Bearer ${harness.adminToken}` });
  const audit = async (query = ''): Promise<{ status: number; body: { entries: Entry[]; nextCursor: string | null } }> => {
    await harness.xray.audit.writer.flush();
    const response = await fetch(`${harness.url}/api/v1/admin/audit${query}`, { headers: admin() });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    harness = await startCollector({ backend });
    const execution = executionSpans({ pipeline: 'audited', steps: [{ name: 'a' }, { name: 'b' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);

    expect((await getJson(harness, '/api/v1/executions?pipeline=audited&limit=5')).status).toBe(200);
    // Read twice: the second reply comes from the cache of finished executions, as its stored text.
    expect((await getJson(harness, `/api/v1/executions/${execution.executionId}`)).status).toBe(200);
    expect((await getJson(harness, `/api/v1/executions/${execution.executionId}`)).status).toBe(200);
    expect((await getJson(harness, '/api/v1/executions?limit=2&api_key=xr_leaked_in_query', harness.apiKey)).status).toBe(400);
    expect((await getJson(harness, '/api/v1/executions', 'xr_not_a_real_key_0000000000')).status).toBe(401);
    const created = await fetch(`${harness.url}/api/v1/admin/apps`, {
      method: 'POST',
      headers: { ...admin(), 'content-type': 'application/json' },
      body: JSON.stringify({ appId: 'audited-app', name: 'Audited' }),
    });
    expect(created.status).toBe(201);
    expect((await adminSql(harness, 'SELECT number FROM numbers(7)')).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('records each query-API read with the key prefix, app, route, parameters, status and rows', async () => {
    const { body } = await audit('?route=/api/v1/executions');
    const [invalid, unauthenticated, list] = [
      body.entries.find((e) => e.status === 400),
      body.entries.find((e) => e.status === 401),
      body.entries.find((e) => e.status === 200),
    ];
    expect(list).toMatchObject({
      appId: harness.appId,
      actor: harness.apiKey.slice(0, 11),
      method: 'GET',
      path: '/api/v1/executions',
      params: { query: { pipeline: 'audited', limit: 5 } },
      rows: 1,
    });
    expect(list!.durationMs).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(`${list!.time.replace(' ', 'T')}Z`)).toBeLessThan(10 * 60_000);
    // A secret-named parameter is never stored, even when the request was refused for it.
    expect(invalid).toMatchObject({ actor: harness.apiKey.slice(0, 11), status: 400, rows: 0 });
    expect(JSON.stringify(invalid)).not.toContain('xr_leaked_in_query');
    // A refused credential is not named: it may be a mistyped secret.
    expect(unauthenticated).toMatchObject({ actor: 'anonymous', appId: '', rows: 0 });
    expect(JSON.stringify(body)).not.toContain('xr_not_a_real_key');

    const reads = (await audit('?route=/api/v1/executions/:executionId')).body.entries;
    expect(reads).toHaveLength(2);
    for (const read of reads) expect(read).toMatchObject({ status: 200, rows: 2, params: { params: { executionId: expect.any(String) } } });
  });

  it('records admin actions as admin, with the body but never the key a reply issued', async () => {
    const { body } = await audit('?actor=admin');
    const createdApp = body.entries.find((e) => e.route === '/api/v1/admin/apps' && e.method === 'POST');
    expect(createdApp).toMatchObject({ appId: '', status: 201, params: { body: { appId: 'audited-app', name: 'Audited' } } });
    const sql = body.entries.find((e) => e.route === '/api/v1/admin/sql');
    expect(sql).toMatchObject({ status: 200, rows: 7, params: { body: { sql: 'SELECT number FROM numbers(7)' } } });
    expect(JSON.stringify(body)).not.toMatch(/xr_[A-Za-z0-9_-]{20,}/);
    expect(JSON.stringify(body)).not.toContain(harness.adminToken);
  });

  it('filters by app, status and time, and pages newest first with a cursor', async () => {
    const byApp = await audit(`?app=${harness.appId}`);
    expect(byApp.body.entries.length).toBeGreaterThanOrEqual(3);
    expect(byApp.body.entries.every((e) => e.appId === harness.appId)).toBe(true);
    expect((await audit('?status=401')).body.entries.every((e) => e.status === 401)).toBe(true);
    expect((await audit(`?until=${Date.now() - 3_600_000}`)).body.entries).toEqual([]);

    const all = (await audit('?limit=500')).body.entries;
    const seen: Entry[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { entries: Entry[]; nextCursor: string | null } = (await audit(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...page.entries);
      cursor = page.nextCursor;
      if (seen.length > all.length + 10) throw new Error('paging does not end');
    }
    // Pages are strictly older than the cursor: reading the log (itself audited) never repeats or skips an entry.
    const before = new Set(all.map((e) => e.requestId));
    expect(seen.map((e) => e.requestId).filter((id) => before.has(id))).toEqual(all.map((e) => e.requestId));
    expect(new Set(seen.map((e) => e.requestId)).size).toBe(seen.length);
    const times = seen.map((e) => e.time);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('refuses a bad filter and a forged cursor with their codes', async () => {
    expect((await audit('?status=abc')).body).toMatchObject({ error: { code: 'XRAY_ERR_VALIDATION' } });
    expect((await audit('?cursor=bm90LWEtY3Vyc29y')).body).toMatchObject({ error: { code: 'XRAY_ERR_BAD_CURSOR' } });
    const withKey = await fetch(`${harness.url}/api/v1/admin/audit`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
    expect(withKey.status).toBe(403);
  });

  it('writes steady reads in one insert per flush, not one per few reads', async () => {
    // Each insert is a part of audit_log merged into the day's part: draining the queue until it was empty kept one
    // insert of a few rows after another under steady reads, a part every ~12 ms (more engine CPU than the reads).
    const inserts = async () => {
      await harness.xray.audit.writer.flush();
      const { body } = await adminSql(harness, "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'audit_log' AND level = 0");
      return Number(body.rows[0].n);
    };
    const before = await inserts();
    const started = Date.now();
    let reads = 0;
    // 100 reads a second, half the per-key rate limit.
    while (Date.now() - started < 2_500) {
      expect((await getJson(harness, '/api/v1/executions?limit=1&pipeline=audit-steady')).status).toBe(200);
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + reads * 10 - Date.now())));
    }
    const seconds = (Date.now() - started) / 1000;
    const written = (await inserts()) - before;
    // The timer's flushes in that time (one a second), the one above, and the admin SQL's own entry.
    expect(reads).toBeGreaterThan(50);
    expect(written).toBeLessThanOrEqual(Math.ceil(seconds) + 3);
    // A read's entry is recorded once its reply is sent (onResponse), which can come after the client has it, and
    // dated when the request began, which for the first read can fall a millisecond before `started`: the reads are
    // told apart by their pipeline instead.
    const recorded = async () =>
      (await audit(`?route=/api/v1/executions&since=${started - 60_000}&limit=500`)).body.entries.filter((e) => e.params.query?.pipeline === 'audit-steady').length;
    await expect.poll(recorded, { timeout: 5_000 }).toBe(Math.min(reads, 500));
  });

  it('counts what it wrote in /metrics', async () => {
    await harness.xray.audit.writer.flush();
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    const recorded = Number(/^xray_audit_recorded_total (\d+)/m.exec(metrics)?.[1]);
    expect(recorded).toBeGreaterThanOrEqual(7);
  });

  it('is printed by xray audit', async () => {
    await harness.xray.audit.writer.flush();
    const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', XRAY_URL: harness.url, XRAY_ADMIN_TOKEN: harness.adminToken };
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'audit', '--status', '201'], { env });
    expect(stdout).toContain('POST /api/v1/admin/apps');
    expect(stdout).toMatch(/admin\s+-\s+POST/);
    const json = JSON.parse((await promisify(execFile)(process.execPath, [CLI, 'audit', '--actor', 'anonymous', '--json'], { env })).stdout);
    expect(json.entries.length).toBeGreaterThanOrEqual(1);
    expect(json.entries.every((e: Entry) => e.actor === 'anonymous')).toBe(true);
    await expect(promisify(execFile)(process.execPath, [CLI, 'audit', '--status', 'teapot'], { env })).rejects.toMatchObject({ code: 2 });
  });
});
