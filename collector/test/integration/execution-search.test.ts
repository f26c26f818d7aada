/**
 * Search within one execution (GET /api/v1/executions/{id}/steps/search),
 * through the real collector after real OTLP ingest, on both backends: the
 * words of reasoning, error messages, inputs and outputs find their steps in
 * step order, never another execution's; the first matches carry snippets;
 * `limit` truncates; bad input is a 400 and an unknown execution, or another
 * app's, a 404, each with its code; each search is in the audit log like
 * every query-API read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

describe.each<BackendKind>(['embedded', 'server'])('search within an execution (%s backend)', (backend) => {
  let harness: Harness;
  let execution: ReturnType<typeof executionSpans>;
  let other: ReturnType<typeof executionSpans>;
  const search = (query: string, executionId = execution.executionId, key = harness.apiKey) =>
    getJson(harness, `/api/v1/executions/${encodeURIComponent(executionId)}/steps/search?${query}`, key);
  const spanOf = (index: number) => execution.steps[index].spanId;

  beforeAll(async () => {
    harness = await startCollector({ backend });
    execution = executionSpans({
      pipeline: 'searched',
      failed: true,
      steps: [
        { name: 'load', reasoning: 'Checked the applicant against the credit threshold' },
        { name: 'score' },
        { name: 'pricing', failed: true },
        { name: 'decide', reasoning: 'Approved' },
      ],
    });
    const payloads = [
      { input: '{"applicantId":"A-1042","note":"shared"}', output: '{"ok":true}' },
      { input: '{"note":"shared"}', output: '{"verdict":"zanzibarquokka"}' },
      { input: '{"note":"shared"}', output: '' },
      { input: '{"note":"shared"}', output: '{"approved":true}' },
    ];
    execution.steps.forEach((span, i) => {
      span.attributes = { ...span.attributes, 'input.value': payloads[i].input, 'output.value': payloads[i].output };
    });
    // Another execution of the same app with the same words: never part of the first one's matches.
    other = executionSpans({ pipeline: 'searched', steps: [{ name: 'load', reasoning: 'credit threshold zanzibarquokka' }] });
    other.steps[0].attributes = { ...other.steps[0].attributes, 'input.value': '{"note":"shared"}' };
    const sent = await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps, other.root, ...other.steps]));
    expect(sent.status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('finds words of reasoning, error messages, inputs and outputs, with a snippet from the matching field', async () => {
    const cases: [string, number, string][] = [
      ['q=thresh', 0, 'reasoning'],
      ['q=zanzibarquokka', 1, 'output'],
      ['q=pricing', 2, 'error.message'],
      ['q=A-1042', 0, 'input'],
    ];
    for (const [query, index, field] of cases) {
      const { status, body } = await search(query);
      expect({ query, status }).toEqual({ query, status: 200 });
      expect({ query, spanIds: body.spanIds }).toEqual({ query, spanIds: [spanOf(index)] });
      expect(body.truncated).toBe(false);
      expect(body.snippets).toHaveLength(1);
      expect(body.snippets[0].spanId).toBe(spanOf(index));
      expect({ query, field: body.snippets[0].snippet.field }).toEqual({ query, field });
      const [start, end] = body.snippets[0].snippet.highlights[0];
      expect(body.snippets[0].snippet.text.slice(start, end).length).toBeGreaterThan(0);
    }
    const none = await search('q=nowhereword');
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ spanIds: [], truncated: false, snippets: [] });
  });

  it('lists every match in step order; limit truncates and snippets covers the first matches only', async () => {
    const all = await search('q=shared');
    expect(all.body.spanIds).toEqual([0, 1, 2, 3].map(spanOf));
    expect(all.body.truncated).toBe(false);
    const cut = await search('q=shared&limit=2&snippets=1');
    expect(cut.status).toBe(200);
    expect(cut.body.spanIds).toEqual([spanOf(0), spanOf(1)]);
    expect(cut.body.truncated).toBe(true);
    expect(cut.body.snippets.map((s: { spanId: string }) => s.spanId)).toEqual([spanOf(0)]);
    const noSnippets = await search('q=shared&snippets=0');
    expect(noSnippets.body.snippets).toEqual([]);
    // Every term must match: `shared` is in every input, `thresh` in one reasoning.
    expect((await search('q=shared%20thresh')).body.spanIds).toEqual([spanOf(0)]);
  });

  it('answers bad searches with 400 and unknown executions with 404, each with its code', async () => {
    for (const query of ['', 'q=', 'q=%21%21%21', 'q=a&limit=0', 'q=a&limit=200001', 'q=a&snippets=201', 'q=a&unknown=1', `q=${'a'.repeat(513)}`]) {
      const bad = await search(query);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      expect(bad.body.error.code).toBe('XRAY_ERR_VALIDATION');
    }
    const missing = await search('q=shared', 'no-such-execution');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
  });

  it("gives another app's key a 404 for this execution, even for words it holds", async () => {
    const otherKey = await harness.createApp('search-other-app');
    const seen = await search('q=zanzibarquokka', execution.executionId, otherKey);
    expect(seen.status).toBe(404);
    expect(seen.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    expect(JSON.stringify(seen.body)).not.toContain(spanOf(1));
  });

  it('records each search in the audit log with its route, parameters, status and matches', async () => {
    expect((await search('q=shared&limit=3')).status).toBe(200);
    await harness.xray.audit.writer.flush();
    const response = await fetch(`${harness.url}/api/v1/admin/audit?route=${encodeURIComponent('/api/v1/executions/:executionId/steps/search')}`, {
      headers: { authorization: `Bearer ${harness.adminToken}` },
    });
    const { entries } = (await response.json()) as { entries: { status: number; rows: number; appId: string; params: any }[] };
    const entry = entries.find((e) => e.params?.query?.q === 'shared' && e.params?.query?.limit === 3);
    expect(entry).toMatchObject({ appId: harness.appId, status: 200, rows: 3, params: { params: { executionId: execution.executionId } } });
  });
});
