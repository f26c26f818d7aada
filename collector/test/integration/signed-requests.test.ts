/**
 * Signed requests against a real collector: an app that requires signatures
 * refuses unsigned, stale and altered requests with their own codes and
 * stores nothing of them; signed protobuf and JSON, gzipped or not, are
 * stored; a replay inside the window stores no duplicate; secrets rotate;
 * the stored secrets are encrypted and survive a restart with the same
 * master key; the README's example runs as written.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/auth/signature.js';
import { adminCall as admin } from '../support/admin-api.js';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest } from '../support/otlp-fixtures.js';
import { protobufExecution } from '../support/otlp-protobuf.js';
import { decodeProtobufStatus } from '../support/otlp-status.js';

const README = resolve(import.meta.dirname, '../../../README.md');

type Format = 'json' | 'protobuf';

interface Sent {
  status: number;
  code: string | null;
  /** The google.rpc.Status message, or the success body. */
  message: string;
  rpcCode: number | undefined;
}

async function send(harness: Harness, key: string, body: Buffer, format: Format, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${harness.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf', 'x-api-key': key, ...headers },
    body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status === 200) return { status: 200, code: null, message: bytes.toString('utf8'), rpcCode: undefined };
  const status = format === 'json' ? (JSON.parse(bytes.toString('utf8')) as { code: number; message: string }) : decodeProtobufStatus(bytes);
  return { status: response.status, code: response.headers.get('x-xray-error-code'), message: status.message, rpcCode: status.code };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const signature = (secret: string, body: Buffer, t = nowSeconds()) => ({ 'x-xray-signature': `t=${t},v1=${signBody(secret, t, body)}` });

function jsonExecution(pipeline: string, steps = 2) {
  const e = executionSpans({ pipeline, steps: Array.from({ length: steps }, (_, i) => ({ name: `step-${i}` })) });
  return { executionId: e.executionId, body: Buffer.from(jsonRequest([e.root, ...e.steps])) };
}

async function storedExecutions(harness: Harness, pipeline: string): Promise<number> {
  const rows = await harness.sql<{ n: number }>('SELECT count() AS n FROM executions FINAL WHERE pipeline = {p:String}', { p: pipeline });
  return Number(rows[0].n);
}

describe('signed requests', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xray-signed-'));
  const masterKey = randomBytes(32);
  let harness: Harness;
  let key: string;
  let secret: string;
  let secretPrefix: string;

  beforeAll(async () => {
    harness = await startCollector({ dataDir, masterKey });
    key = await harness.createApp('signer');
    const created = await admin(harness, 'POST', '/apps/signer/signing-secrets');
    expect(created.status).toBe(201);
    ({ secret, secretPrefix } = created.body);
    expect(secret).toMatch(/^xrs_[A-Za-z0-9_-]{43}$/);
    expect(secretPrefix).toBe(secret.slice(0, 12));
    const required = await admin(harness, 'PUT', '/apps/signer/signing', { required: true });
    expect(required.body).toEqual({ required: true, secrets: [{ secretPrefix, createdAt: expect.any(String) }] });
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const bodies: { name: string; format: Format; make: (pipeline: string) => { body: Buffer; encoding?: string } }[] = [
    { name: 'JSON', format: 'json', make: (p) => ({ body: jsonExecution(p).body }) },
    { name: 'gzipped JSON', format: 'json', make: (p) => ({ body: gzipSync(jsonExecution(p).body), encoding: 'gzip' }) },
    { name: 'protobuf', format: 'protobuf', make: (p) => ({ body: protobufExecution(p).body }) },
    { name: 'gzipped protobuf', format: 'protobuf', make: (p) => ({ body: gzipSync(protobufExecution(p).body), encoding: 'gzip' }) },
  ];

  for (const { name, format, make } of bodies) {
    it(`stores signed ${name} and refuses it unsigned, stale either way, altered or signed with another secret`, async () => {
      const pipeline = `signed-${name.replace(' ', '-')}`;
      const { body, encoding } = make(pipeline);
      const extra = encoding ? { 'content-encoding': encoding } : {};

      const refusals: [string, Record<string, string>, string][] = [
        ['unsigned', {}, 'XRAY_ERR_SIGNATURE_MISSING'],
        ['stale', signature(secret, body, nowSeconds() - 301), 'XRAY_ERR_SIGNATURE_STALE'],
        // Past the window by more than the seconds this test may take between signing and arriving.
        ['from the future', signature(secret, body, nowSeconds() + 330), 'XRAY_ERR_SIGNATURE_STALE'],
        ['signed with another secret', signature(`xrs_${randomBytes(32).toString('base64url')}`, body), 'XRAY_ERR_SIGNATURE_INVALID'],
        ['malformed', { 'x-xray-signature': 'sha256=deadbeef' }, 'XRAY_ERR_SIGNATURE_INVALID'],
      ];
      if (encoding) refusals.push(['signed before compression', signature(secret, Buffer.from('x')), 'XRAY_ERR_SIGNATURE_INVALID']);
      for (const [what, headers, code] of refusals) {
        const reply = await send(harness, key, body, format, { ...extra, ...headers });
        expect(reply.status, what).toBe(401);
        expect(reply.code, what).toBe(code);
        expect(reply.rpcCode, what).toBe(16); // UNAUTHENTICATED
        expect(reply.message, what).toContain(code);
        expect(reply.message, what).not.toContain(secret);
      }
      // Altered after signing: one byte of the body as sent.
      const altered = Buffer.from(body);
      altered[altered.length - 1] ^= 1;
      const tampered = await send(harness, key, altered, format, { ...extra, ...signature(secret, body) });
      expect(tampered.code).toBe('XRAY_ERR_SIGNATURE_INVALID');
      expect(await storedExecutions(harness, pipeline)).toBe(0);

      const ok = await send(harness, key, body, format, { ...extra, ...signature(secret, body) });
      expect(ok.status).toBe(200);
      expect(await storedExecutions(harness, pipeline)).toBe(1);
    });
  }

  it('stores a replayed signed request once: counted through the API and with FINAL', async () => {
    const { executionId, body } = jsonExecution('replayed', 3);
    const headers = signature(secret, body);
    for (let i = 0; i < 3; i++) expect((await send(harness, key, body, 'json', headers)).status).toBe(200);
    const replayedAtOnce = await Promise.all([1, 2].map(() => send(harness, key, body, 'json', headers)));
    expect(replayedAtOnce.map((r) => r.status)).toEqual([200, 200]);

    const readKey = (await admin(harness, 'POST', '/apps/signer/keys', { scopes: ['read'] })).body.apiKey;
    const list = await getJson(harness, '/api/v1/executions?pipeline=replayed', readKey);
    expect(list.body.executions).toHaveLength(1);
    const detail = await getJson(harness, `/api/v1/executions/${executionId}`, readKey);
    expect(detail.body.steps).toHaveLength(3);
    const [counts] = await harness.sql<{ executions: number; steps: number }>(
      `SELECT (SELECT count() FROM executions FINAL WHERE execution_id = {id:String}) AS executions,
              (SELECT count() FROM steps FINAL WHERE execution_id = {id:String}) AS steps`,
      { id: executionId },
    );
    expect({ executions: Number(counts.executions), steps: Number(counts.steps) }).toEqual({ executions: 1, steps: 3 });
  });

  it('rotates: two secrets at most, either signs, both may be sent, a revoked one stops working', async () => {
    const second = await admin(harness, 'POST', '/apps/signer/signing-secrets');
    expect(second.status).toBe(201);
    const third = await admin(harness, 'POST', '/apps/signer/signing-secrets');
    expect(third.status).toBe(409);
    expect(third.body.error.code).toBe('XRAY_ERR_CONFLICT');

    const newSecret = second.body.secret as string;
    const a = jsonExecution('rotation-a').body;
    expect((await send(harness, key, a, 'json', signature(newSecret, a))).status).toBe(200);
    const t = nowSeconds();
    const both = { 'x-xray-signature': `t=${t},v1=${signBody(secret, t, a)},v1=${signBody(newSecret, t, a)}` };
    expect((await send(harness, key, a, 'json', both)).status).toBe(200);

    expect((await admin(harness, 'DELETE', `/apps/signer/signing-secrets/${secretPrefix}`)).body).toEqual({ revoked: 1 });
    const b = jsonExecution('rotation-b').body;
    expect((await send(harness, key, b, 'json', signature(secret, b))).code).toBe('XRAY_ERR_SIGNATURE_INVALID');
    expect((await send(harness, key, b, 'json', both)).status).toBe(401); // signed over other bytes
    expect((await send(harness, key, b, 'json', signature(newSecret, b))).status).toBe(200);

    // The last secret of an app that requires signatures cannot be revoked.
    const last = await admin(harness, 'DELETE', `/apps/signer/signing-secrets/${second.body.secretPrefix}`);
    expect(last.status).toBe(409);
    expect(last.body.error.message).toContain('last signing secret');
    secret = newSecret;
    secretPrefix = second.body.secretPrefix;
  });

  it('keeps the secrets encrypted at rest: the table holds no secret', async () => {
    const rows = await harness.sql<Record<string, unknown>>('SELECT * FROM app_signing_secrets');
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const dump = JSON.stringify(rows);
    const random = secret.slice(4);
    for (let i = 8; i + 12 <= random.length; i += 4) expect(dump).not.toContain(random.slice(i, i + 12));
    expect(dump).not.toContain(masterKey.toString('base64url'));
    expect(dump).not.toContain(masterKey.toString('hex'));
  });

  it('does not require signatures from other apps, nor lets an app require them without a secret', async () => {
    const otherKey = await harness.createApp('unsigned-app');
    const { body } = jsonExecution('unsigned-app');
    expect((await send(harness, otherKey, body, 'json')).status).toBe(200);
    const refused = await admin(harness, 'PUT', '/apps/unsigned-app/signing', { required: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('has no signing secret');
    expect((await admin(harness, 'GET', '/apps/unsigned-app/signing')).body).toEqual({ required: false, secrets: [] });
    expect((await admin(harness, 'PUT', '/apps/nope/signing', { required: true })).status).toBe(404);
    expect((await admin(harness, 'DELETE', '/apps/unsigned-app/signing-secrets/xrs_short')).status).toBe(400);
    expect((await admin(harness, 'DELETE', '/apps/unsigned-app/signing-secrets/xrs_AbCd1234')).status).toBe(404);
  });

  it('runs the README example as written against an app that requires signatures', async () => {
    const readme = readFileSync(README, 'utf8');
    const match = /<!-- signed-request-example -->\n```js\n([\s\S]*?)```/.exec(readme);
    expect(match, 'README.md has the signed-request example').not.toBeNull();
    const scriptDir = mkdtempSync(join(tmpdir(), 'xray-readme-'));
    try {
      const script = join(scriptDir, 'sign.mjs');
      writeFileSync(script, match![1]);
      const { stdout } = await promisify(execFile)(process.execPath, [script], {
        env: { ...process.env, XRAY_ENDPOINT: harness.url, XRAY_API_KEY: key, XRAY_SIGNING_SECRET: secret },
      });
      const [status, traceId] = stdout.trim().split(' ');
      expect(status).toBe('200');
      expect(await storedExecutions(harness, 'signed-example')).toBe(1);
      const [row] = await harness.sql<{ execution_id: string }>("SELECT execution_id FROM executions FINAL WHERE pipeline = 'signed-example'");
      expect(row.execution_id).toBe(traceId);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });

  it('still verifies with the stored secret after a restart with the same master key', async () => {
    await harness.close();
    harness = await startCollector({ dataDir, masterKey });
    const { body } = jsonExecution('after-restart');
    expect((await send(harness, key, body, 'json')).code).toBe('XRAY_ERR_SIGNATURE_MISSING');
    expect((await send(harness, key, body, 'json', signature(secret, body))).status).toBe(200);
  });
});
