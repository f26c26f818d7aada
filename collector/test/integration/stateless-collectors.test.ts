/**
 * Two collectors behind one store, as behind a load balancer (issue 13): the
 * built main.js twice, in two processes with their own data folders, both
 * pointed by CLICKHOUSE_URL at one ClickHouse (the ClickHouse-HTTP test
 * endpoint over chDB, hosted by this test process). Nothing a request
 * depends on may live in only one of them:
 *   - the same OTLP request sent to both is stored once, counted on the raw
 *     tables (no FINAL, before any merge), rollups included;
 *   - data written through one is read through the other;
 *   - a key revoked through one is refused by the other within
 *     XRAY_KEY_CACHE_TTL_SECONDS, and an app's rate limit changed through one
 *     applies on the other within XRAY_APP_CACHE_TTL_SECONDS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';
import type { ClickHouseHttpEndpoint } from '../support/clickhouse-http-endpoint.js';
import { runCollector, stopCollector, waitForOutput } from '../support/collector-process.js';
import type { RunningCollector } from '../support/collector-process.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const API_KEY = 'xr_stateless-collectors-key-0001';
const ADMIN_TOKEN = 'stateless-collectors-admin-01';
const KEY_CACHE_TTL_SECONDS = 2;
const APP_CACHE_TTL_SECONDS = 2;

interface Collector extends RunningCollector {
  url: string;
}

async function startMain(env: Record<string, string>): Promise<Collector> {
  const running = runCollector({ XRAY_PORT: '0', ...env });
  try {
    const [, url] = await waitForOutput(running, /(http:\/\/127\.0\.0\.1:\d+)[\s\S]*API key:/, 120_000);
    return { ...running, url };
  } catch (error) {
    // Never assigned, so afterAll cannot stop it.
    running.child.kill('SIGKILL');
    throw error;
  }
}

const admin = (collector: Collector, method: string, path: string, body?: unknown) =>
  fetch(`${collector.url}/api/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const pipelines = (collector: Collector, key: string) => fetch(`${collector.url}/api/v1/pipelines`, { headers: { 'x-api-key': key } });

describe('two stateless collectors over one ClickHouse', () => {
  const dirs: string[] = [];
  let session: Session;
  let endpoint: ClickHouseHttpEndpoint;
  let a: Collector;
  let b: Collector;

  /** Raw rows, as stored: no FINAL, so a duplicate not yet merged away would count. */
  async function rawCount(table: string, where = '1'): Promise<number> {
    const result = await session.queryAsync(`SELECT count() FROM ${table} WHERE ${where}`, { format: 'TabSeparated' });
    return Number(result.text().trim());
  }

  /** What a rollup's live view counts (the rollup and the rows its job has not folded in yet): a duplicate must not count. */
  async function rolledUp(view: string, column: string, where: string): Promise<number> {
    const result = await session.queryAsync(`SELECT uniqExactMerge(${column}) FROM ${view} WHERE ${where}`, { format: 'TabSeparated' });
    return Number(result.text().trim());
  }

  beforeAll(async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'xray-store-'));
    dirs.push(storeDir);
    session = new Session(storeDir);
    endpoint = await createClickHouseHttpEndpoint(session, { user: 'xray', password: 'secret' });
    const env = (name: string) => {
      const dataDir = mkdtempSync(join(tmpdir(), `xray-${name}-`));
      dirs.push(dataDir);
      return {
        XRAY_DATA_DIR: dataDir,
        CLICKHOUSE_URL: endpoint.url,
        CLICKHOUSE_USER: 'xray',
        CLICKHOUSE_PASSWORD: 'secret',
        XRAY_API_KEY: API_KEY,
        XRAY_ADMIN_TOKEN: ADMIN_TOKEN,
        XRAY_SECRET_KEY: 'cd'.repeat(32),
        XRAY_KEY_CACHE_TTL_SECONDS: String(KEY_CACHE_TTL_SECONDS),
        XRAY_APP_CACHE_TTL_SECONDS: String(APP_CACHE_TTL_SECONDS),
        // The test processes share two cores: no event-loop-lag refusals.
        XRAY_MAX_EVENT_LOOP_DELAY_MILLIS: '0',
      };
    };
    // One after the other: the first applies the migrations, the second finds them applied.
    a = await startMain(env('a'));
    b = await startMain(env('b'));
  }, 300_000);

  afterAll(async () => {
    for (const collector of [a, b]) {
      if (!collector) continue;
      await stopCollector(collector);
    }
    await endpoint?.close();
    session?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('stores the same request sent to both collectors once in the tables before any merge, and counts it once in the rollups', async () => {
    const execution = executionSpans({ pipeline: 'retried', steps: [{ name: 'fetch' }, { name: 'rank' }, { name: 'pick', failed: true }] });
    const body = jsonRequest([execution.root, ...execution.steps]);
    const mine = `execution_id = '${execution.executionId}'`;

    expect((await postJson(a.url, API_KEY, body)).status).toBe(200);
    const first = {
      executions: await rawCount('executions', mine),
      steps: await rawCount('steps', mine),
      pipelineStats: await rolledUp('pipeline_stats_1m_live', 'executions', "pipeline = 'retried'"),
      stepStats: await rolledUp('step_stats_1h_live', 'steps', "pipeline = 'retried'"),
    };
    expect(first).toEqual({ executions: 1, steps: 3, pipelineStats: 1, stepStats: 3 });

    // The client's retry, through the other collector, then both at once, then the first again.
    expect((await postJson(b.url, API_KEY, body)).status).toBe(200);
    const both = await Promise.all([postJson(a.url, API_KEY, body), postJson(b.url, API_KEY, body)]);
    expect(both.map((reply) => reply.status)).toEqual([200, 200]);
    expect((await postJson(a.url, API_KEY, body)).status).toBe(200);

    expect({
      executions: await rawCount('executions', mine),
      steps: await rawCount('steps', mine),
      pipelineStats: await rolledUp('pipeline_stats_1m_live', 'executions', "pipeline = 'retried'"),
      stepStats: await rolledUp('step_stats_1h_live', 'steps', "pipeline = 'retried'"),
    }).toEqual(first);
  });

  it('stores a request with different content, even from the same execution, as new rows', async () => {
    const execution = executionSpans({ pipeline: 'distinct', steps: [{ name: 'one' }, { name: 'two' }] });
    const mine = `execution_id = '${execution.executionId}'`;
    expect((await postJson(a.url, API_KEY, jsonRequest([execution.root, execution.steps[0]]))).status).toBe(200);
    expect((await postJson(b.url, API_KEY, jsonRequest([execution.steps[1]]))).status).toBe(200);
    expect(await rawCount('steps', mine)).toBe(2);
  });

  it('reads through one collector what was written through the other', async () => {
    const execution = executionSpans({ pipeline: 'crossing', steps: [{ name: 'first', reasoning: 'written through a' }, { name: 'second' }] });
    expect((await postJson(a.url, API_KEY, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    const response = await fetch(`${b.url}/api/v1/executions/${execution.executionId}`, { headers: { 'x-api-key': API_KEY } });
    expect(response.status).toBe(200);
    const read = (await response.json()) as { execution: { pipeline: string }; steps: { name: string; reasoning: string }[] };
    expect(read.execution.pipeline).toBe('crossing');
    expect(read.steps.map((step) => [step.name, step.reasoning])).toEqual([
      ['first', 'written through a'],
      ['second', ''],
    ]);
  });

  it('refuses, on the other collector within XRAY_KEY_CACHE_TTL_SECONDS, a key revoked through one', async () => {
    const issued = await admin(a, 'POST', '/apps/default/keys', { name: 'to revoke' });
    expect(issued.status).toBe(201);
    const { apiKey, keyPrefix } = (await issued.json()) as { apiKey: string; keyPrefix: string };
    // Both collectors now hold the key in their caches.
    expect((await pipelines(a, apiKey)).status).toBe(200);
    expect((await pipelines(b, apiKey)).status).toBe(200);

    expect((await admin(a, 'DELETE', `/apps/default/keys/${keyPrefix}`)).status).toBe(200);
    const revokedAt = Date.now();
    expect((await pipelines(a, apiKey)).status).toBe(401); // at once where it was revoked
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, KEY_CACHE_TTL_SECONDS * 1000 - (Date.now() - revokedAt)) + 100));
    expect((await pipelines(b, apiKey)).status).toBe(401);
    expect((await postJson(b.url, apiKey, jsonRequest([]))).status).toBe(401);
    // The key the collectors share is untouched.
    expect((await pipelines(b, API_KEY)).status).toBe(200);
  });

  it('applies, on the other collector within XRAY_APP_CACHE_TTL_SECONDS, a rate limit changed through one', async () => {
    const created = await admin(a, 'POST', '/apps', { appId: 'limited' });
    expect(created.status).toBe(201);
    const { apiKey } = (await created.json()) as { apiKey: string };
    // B caches the app's settings: the default limit, far from reached.
    for (let i = 0; i < 3; i++) expect((await pipelines(b, apiKey)).status).toBe(200);

    expect((await admin(a, 'PUT', '/apps/limited/limits', { requestsPerSecond: 0.01, burst: 1 })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, APP_CACHE_TTL_SECONDS * 1000 + 100));
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await pipelines(b, apiKey)).status);
    expect(statuses).toContain(429);
  });
});
