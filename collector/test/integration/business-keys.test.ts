/**
 * Business-key lookup against a real collector and embedded ClickHouse:
 * executions and steps found by any attribute (OpenTelemetry's session.id and
 * user.id with no X-Ray code) or top-level metadata key, with `where=` on the
 * list, the step search and the export, and `--where` in the CLI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { runCliAgainst } from '../support/run-cli.js';
import { executionListQuery } from '../../src/store/executions.js';
import { BUSINESS_KEY_BIND_LIMIT, businessKeyHitsOf, businessKeyLookupQuery } from '../../src/store/execution-filter.js';

// Both backends: the embedded engine and the server code path (HTTP, parameters bound as query settings).
describe.each(['embedded', 'server'] as const)('business-key search (%s backend)', (backend) => {
  let harness: Harness;
  let rejected: ReturnType<typeof executionSpans>;
  let approved: ReturnType<typeof executionSpans>;

  async function send(applicantId: string, sessionId: string, failed: boolean) {
    const execution = executionSpans({ pipeline: 'bk-loan', failed, steps: [{ name: 'fetch_score' }, { name: 'decide', failed }] });
    execution.root.attributes = {
      ...execution.root.attributes,
      'xray.execution.metadata': JSON.stringify({ applicantId, score: failed ? 590 : 712, nested: { a: 1 } }),
      'session.id': sessionId,
      'user.id': 'u-7',
    };
    execution.steps[0].attributes = { ...execution.steps[0].attributes, 'tool.name': failed ? 'bureau-b' : 'bureau-a' };
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
    return execution;
  }

  const ids = (body: { executions: { executionId: string }[] }) => body.executions.map((e) => e.executionId).sort();

  beforeAll(async () => {
    harness = await startCollector({ backend });
    rejected = await send('A-1042', 's-1', true);
    approved = await send('A-1041', 's-2', false);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('finds executions by a metadata key, string or not, and by OpenTelemetry attributes', async () => {
    expect(ids((await getJson(harness, '/api/v1/executions?where=applicantId=A-1042')).body)).toEqual([rejected.executionId]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=score=712')).body)).toEqual([approved.executionId]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=session.id=s-2')).body)).toEqual([approved.executionId]);
    expect(ids((await getJson(harness, '/api/v1/executions?where=user.id=u-7')).body)).toEqual([approved.executionId, rejected.executionId].sort());
    expect(ids((await getJson(harness, '/api/v1/executions?where=nested={"a":1}&where=applicantId=A-1041')).body)).toEqual([approved.executionId]);
    // Every condition must hold.
    expect(ids((await getJson(harness, '/api/v1/executions?where=user.id=u-7&where=session.id=nope')).body)).toEqual([]);
    // A value is matched whole, not as a prefix.
    expect(ids((await getJson(harness, '/api/v1/executions?where=applicantId=A-104')).body)).toEqual([]);
  });

  it('reads the list through the business-key index (migration 0130): its rows, and only the days and ids they name', async () => {
    const indexed = await harness.sql<{ execution_id: string; day: string }>(
      "SELECT execution_id, toString(day) AS day FROM business_key_index WHERE app_id = 'default' AND key_value = 'applicantId=A-1042'",
    );
    expect(indexed).toEqual([{ execution_id: rejected.executionId, day: new Date(Date.now() - 1000).toISOString().slice(0, 10) }]);
    // An entry the index does not hold is not found, even though the execution carries the key: the index is what is read.
    await harness.store.backend.command("DELETE FROM business_key_index WHERE key_value = 'score=712'");
    expect(ids((await getJson(harness, '/api/v1/executions?where=score=712')).body)).toEqual([]);
    await harness.store.backend.command(
      "INSERT INTO business_key_index SELECT app_id, 'score=712', execution_id, toDate(start_time) FROM executions WHERE execution_id = {id:String}",
      { id: approved.executionId },
    );
    expect(ids((await getJson(harness, '/api/v1/executions?where=score=712')).body)).toEqual([approved.executionId]);
    // A stale entry (a key the execution does not carry) finds nothing: has(business_keys, …) still decides.
    await harness.store.backend.command(
      "INSERT INTO business_key_index SELECT app_id, 'applicantId=A-9999', execution_id, toDate(start_time) FROM executions WHERE execution_id = {id:String}",
      { id: approved.executionId },
    );
    expect(ids((await getJson(harness, '/api/v1/executions?where=applicantId=A-9999')).body)).toEqual([]);
  });

  it('looks the keys up first, then reads only the days and ids the lookup found, bound', async () => {
    const now = Date.now();
    const range = { fromMillis: now - 30 * 86_400_000, toMillis: now + 60_000 };
    const businessKeys = ['applicantId=A-1042', 'user.id=u-7'];
    const lookup = businessKeyLookupQuery(harness.appId, businessKeys, range);
    const found = await harness.store.backend.query<{ execution_id: string; hit_day: string }>(lookup.sql, lookup.params);
    // Every pair must be listed: user.id=u-7 alone lists both executions.
    expect(found.map((row) => row.execution_id)).toEqual([rejected.executionId]);
    const built = executionListQuery(harness.appId, { ...range, businessKeys, businessKeyHits: businessKeyHitsOf(found) }, 50);
    expect(built.sql).not.toContain('business_key_index');
    const plan = await harness.store.backend.query<{ explain: string }>(`EXPLAIN indexes = 1 ${built.sql}`, built.params);
    const conditions = plan.map((row) => row.explain.trim()).filter((line) => line.startsWith('Condition:'));
    // Min-max, partition and primary key all hold the bound day (A-1042's execution's).
    expect(conditions.filter((line) => line.includes('toDate(start_time) in 1-element set')).length).toBeGreaterThanOrEqual(2);
    // Too many executions to bind: the list reads through the lookup subqueries instead.
    expect(businessKeyHitsOf(Array.from({ length: BUSINESS_KEY_BIND_LIMIT + 1 }, (_, i) => ({ execution_id: `e${i}`, hit_day: '2026-01-01' })))).toBeUndefined();
    expect(executionListQuery(harness.appId, { ...range, businessKeys }, 50).sql).toContain('FROM business_key_index');
  });

  it("finds steps by their own attributes or their execution's keys", async () => {
    const byExecution = await getJson(harness, '/api/v1/steps?where=applicantId=A-1042');
    expect(byExecution.body.steps.map((s: { name: string }) => s.name).sort()).toEqual(['decide', 'fetch_score']);
    expect(new Set(byExecution.body.steps.map((s: { executionId: string }) => s.executionId))).toEqual(new Set([rejected.executionId]));
    const byOwn = await getJson(harness, '/api/v1/steps?where=tool.name=bureau-a');
    expect(byOwn.body.steps.map((s: { executionId: string; name: string }) => [s.executionId, s.name])).toEqual([[approved.executionId, 'fetch_score']]);
  });

  it('filters the export the same way', async () => {
    const response = await getJson(harness, '/api/v1/export?format=json&where=applicantId=A-1042');
    expect(response.body.map((e: { executionId: string }) => e.executionId)).toEqual([rejected.executionId]);
  });

  it('reads the lookup through the bloom-filter index on business_keys', async () => {
    for (const table of ['executions', 'steps']) {
      const plan = await harness.sql<{ explain: string }>(
        `EXPLAIN indexes = 1 SELECT count() FROM ${table} WHERE app_id = {appId:String} AND has(business_keys, {pair:String})`,
        { appId: harness.appId, pair: 'applicantId=A-1042' },
      );
      expect(plan.map((row) => row.explain.trim())).toContain('Name: business_keys_bf');
    }
  });

  it('refuses a condition that is not key=value, saying so', async () => {
    for (const bad of ['where=applicantId', 'where==A-1042']) {
      const response = await getJson(harness, `/api/v1/executions?${bad}`);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('XRAY_ERR_VALIDATION');
      expect(response.body.error.message).toContain('expected key=value');
    }
  });

  it("finds an execution and its steps by its newest root's keys only, once the root was sent again with other keys", async () => {
    const execution = executionSpans({ pipeline: 'bk-loan', steps: [{ name: 'fetch_score' }, { name: 'decide' }] });
    const withApplicant = (applicantId: string) => ({
      ...execution.root,
      attributes: { ...execution.root.attributes, 'xray.execution.metadata': JSON.stringify({ applicantId }) },
    });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([withApplicant('A-2001'), ...execution.steps]))).status).toBe(200);
    // The same root again, its metadata corrected: the steps are not sent again.
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([withApplicant('A-2002')]))).status).toBe(200);
    for (const cache of ['', 'no-cache']) {
      const headers = cache ? { 'cache-control': cache } : {};
      const read = async (path: string) => {
        const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${harness.apiKey}`, ...headers } });
        expect(response.status).toBe(200);
        return response.json();
      };
      expect(ids(await read('/api/v1/executions?where=applicantId=A-2001'))).toEqual([]);
      expect(ids(await read('/api/v1/executions?where=applicantId=A-2002'))).toEqual([execution.executionId]);
      expect((await read('/api/v1/steps?where=applicantId=A-2001')).steps).toEqual([]);
      expect((await read('/api/v1/steps?where=applicantId=A-2002')).steps.map((s: { name: string }) => s.name).sort()).toEqual(['decide', 'fetch_score']);
    }
  });

  it('is xray executions --where', async () => {
    const result = await runCliAgainst(harness, ['executions', '--where', 'applicantId=A-1042', '--where', 'user.id=u-7']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(rejected.executionId);
    expect(result.stdout).not.toContain(approved.executionId);
    expect((await runCliAgainst(harness, ['executions', '--where', 'applicantId'])).code).toBe(2);
  });
});
