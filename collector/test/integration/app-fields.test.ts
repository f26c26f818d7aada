/**
 * Custom fields on apps (description, owner, labels) against a real collector
 * and a real embedded ClickHouse: set at creation, changed by PATCH (fields
 * left out keep their value, created_at is kept), listed, shown by
 * `xray apps list`, and refused when invalid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { buildCli, runCli } from '../support/cli-process.js';

describe('app custom fields', () => {
  let harness: Harness;

  const xray = (args: string[]) =>
    runCli(args, { XRAY_DATA_DIR: harness.dataDir, XRAY_URL: harness.url, XRAY_ADMIN_TOKEN: harness.adminToken });

  beforeAll(async () => {
    buildCli();
    harness = await startCollector();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('creates an app with a description, an owner and labels, and lists them', async () => {
    const created = await adminCall(harness, 'POST', '/apps', {
      appId: 'checkout',
      name: 'Checkout',
      description: 'Card checkout decisions',
      owner: 'risk-team',
      labels: { team: 'risk', tier: '1' },
    });
    expect(created.status).toBe(201);
    expect(created.body.app).toMatchObject({ appId: 'checkout', description: 'Card checkout decisions', owner: 'risk-team', labels: { team: 'risk', tier: '1' } });
    const listed = await adminCall(harness, 'GET', '/apps');
    expect(listed.body.apps.find((a: any) => a.appId === 'checkout')).toEqual(created.body.app);
    // An app created without them (the default app) has empty fields.
    expect(listed.body.apps.find((a: any) => a.appId === 'default')).toMatchObject({ description: '', owner: '', labels: {} });
  });

  it('changes only the fields a PATCH gives and keeps created_at', async () => {
    const before = (await adminCall(harness, 'GET', '/apps')).body.apps.find((a: any) => a.appId === 'checkout');
    const patched = await adminCall(harness, 'PATCH', '/apps/checkout', { owner: 'payments', labels: { team: 'payments' } });
    expect(patched.status).toBe(200);
    expect(patched.body.app).toEqual({ ...before, owner: 'payments', labels: { team: 'payments' } });
    const stored = await harness.sql<{ versions: string }>("SELECT toString(count()) AS versions FROM apps WHERE app_id = 'checkout'");
    expect(Number(stored[0].versions)).toBeGreaterThanOrEqual(1);
    expect((await adminCall(harness, 'GET', '/apps')).body.apps.filter((a: any) => a.appId === 'checkout')).toHaveLength(1);
  });

  it('refuses invalid fields and unknown apps, changing nothing', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['PATCH', '/apps/checkout', {}, 400, 'at least one'],
      ['PATCH', '/apps/checkout', { labels: { 'bad key': 'x' } }, 400, 'labels/bad key'],
      ['PATCH', '/apps/checkout', { labels: { team: 7 } }, 400, 'labels'],
      ['PATCH', '/apps/checkout', { owner: 'x'.repeat(300) }, 400, 'owner'],
      ['PATCH', '/apps/checkout', { colour: 'red' }, 400, 'colour'],
      ['PATCH', '/apps/nope', { owner: 'x' }, 404, 'nope'],
      ['POST', '/apps', { appId: 'other', labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 400, '32 labels'],
    ];
    for (const [method, path, body, status, words] of cases) {
      const reply = await adminCall(harness, method, path, body);
      expect(reply.status, JSON.stringify(body)).toBe(status);
      expect(reply.body.error.message).toContain(words);
    }
    const app = (await adminCall(harness, 'GET', '/apps')).body.apps.find((a: any) => a.appId === 'checkout');
    expect(app).toMatchObject({ owner: 'payments', labels: { team: 'payments' } });
    expect((await adminCall(harness, 'GET', '/apps')).body.apps.map((a: any) => a.appId)).not.toContain('other');
  });

  it('shows owner, labels and description in `xray apps list` and sets them with `xray apps update`', async () => {
    const update = await xray(['apps', 'update', 'checkout', '--labels', 'team=risk,tier=2', '--description', 'Checkout v2']);
    expect(update).toMatchObject({ code: 0, stderr: '' });
    const list = await xray(['apps', 'list']);
    expect(list.code).toBe(0);
    const [header, ...lines] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^APP\s+NAME\s+OWNER\s+LABELS\s+DESCRIPTION\s+CREATED/);
    const row = lines.find((line) => line.startsWith('checkout'));
    expect(row).toMatch(/checkout\s+Checkout\s+payments\s+team=risk,tier=2\s+Checkout v2/);
    const nothing = await xray(['apps', 'update', 'checkout']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('nothing to change');
  });
});
