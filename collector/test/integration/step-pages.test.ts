/**
 * An execution's steps page by page and one step's full payloads, through
 * the real collector (chDB) after real OTLP ingest: pages follow execution
 * order, cut payloads to a preview with their full lengths, and end with
 * nextOffset null; one step comes back whole; bad input and unknown ids get
 * the API's error codes; the outline lists every step without payloads,
 * position for position with the pages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const STEPS = 7;
const OUTCOME = '{"approved":false,"limit":12345678901234567890,"rate":1.10}';
const METADATA = '{"applicantId":"A-1042","score":0.30000000000000004}';
const payload = (i: number) => JSON.stringify({ step: i, id: 12345678901234567890n.toString(), price: '1.10', pad: 'é'.repeat(300) });

// Both backends: embedded chDB, and the server backend through the ClickHouse-HTTP endpoint stand-in.
describe.each<BackendKind>(['embedded', 'server'])('step pages (%s backend)', (backend) => {
  let harness: Harness;
  let execution: ReturnType<typeof executionSpans>;

  beforeAll(async () => {
    harness = await startCollector({ backend });
    execution = executionSpans({ pipeline: 'paged', steps: Array.from({ length: STEPS }, (_, i) => ({ name: `s${i}` })) });
    // An outcome and metadata with digits a JavaScript number cannot hold, as a non-JS sender may send them.
    execution.root.attributes = { ...execution.root.attributes, 'xray.execution.outcome': OUTCOME, 'xray.execution.metadata': METADATA };
    execution.steps.forEach((span, i) => {
      span.attributes = { ...span.attributes, 'input.value': payload(i), 'output.value': `out-${i}` };
    });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('pages through the steps in order with payload previews and full lengths', async () => {
    const seen: string[] = [];
    let offset: number | null = 0;
    let pages = 0;
    while (offset !== null) {
      const { status, body } = await getJson(harness, `/api/v1/executions/${execution.executionId}/steps?offset=${offset}&limit=3&preview=20`);
      expect(status).toBe(200);
      expect(body.total).toBe(STEPS);
      for (const step of body.steps) {
        const i = Number(step.name.slice(1));
        expect(step.input).toBe(payload(i).slice(0, 20));
        expect(step.inputLength).toBe([...payload(i)].length);
        expect(step.output).toBe(`out-${i}`);
        expect(step.outputLength).toBe(`out-${i}`.length);
        seen.push(step.name);
      }
      offset = body.nextOffset;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: STEPS }, (_, i) => `s${i}`));
  });

  it('returns one step with its full payloads', async () => {
    const span = execution.steps[4];
    const { status, body } = await getJson(harness, `/api/v1/executions/${execution.executionId}/steps/${span.spanId}`);
    expect(status).toBe(200);
    expect(body.step.name).toBe('s4');
    expect(body.step.input).toBe(payload(4));
    expect(body.step.output).toBe('out-4');
  });

  it('outlines every step in page order as columns, without payloads, with the execution', async () => {
    const { status, body } = await getJson(harness, `/api/v1/executions/${execution.executionId}/outline`);
    expect(status).toBe(200);
    expect(body.execution.executionId).toBe(execution.executionId);
    expect(body.execution.stepCount).toBe(STEPS);
    expect(body.total).toBe(STEPS);
    // The stored JSON texts, digits and all, beside their parsed form.
    expect(body.execution.finalOutcomeText).toBe(OUTCOME);
    expect(body.execution.metadataText).toBe(METADATA);
    const page = await getJson(harness, `/api/v1/executions/${execution.executionId}/steps?limit=${STEPS}&preview=0`);
    // Position i of the outline is offset i of the pages.
    expect(body.steps.spanId).toEqual(page.body.steps.map((s: { spanId: string }) => s.spanId));
    expect(body.steps.name).toEqual(Array.from({ length: STEPS }, (_, i) => `s${i}`));
    expect(body.steps.parentSpanId).toEqual(page.body.steps.map((s: { parentSpanId: string }) => s.parentSpanId));
    expect(body.steps.errorMessage).toEqual(page.body.steps.map((s: { error: { message: string } | null }) => s.error?.message ?? null));
    // Offsets are exact nanoseconds after the earliest start.
    const starts = page.body.steps.map((s: { startTimeUnixNano: string }) => BigInt(s.startTimeUnixNano));
    const earliest = starts.reduce((a: bigint, b: bigint) => (b < a ? b : a));
    expect(body.startTimeUnixNano).toBe(String(earliest));
    expect(body.steps.startOffsetNanos).toEqual(starts.map((start: bigint) => Number(start - earliest)));
    expect(body.steps.durationMs).toEqual(page.body.steps.map((s: { durationMs: number }) => s.durationMs));
    for (const key of ['input', 'output', 'reasoning', 'attributes']) expect(body.steps[key]).toBeUndefined();

    const first = await getJson(harness, `/api/v1/executions/${execution.executionId}/outline?limit=2`);
    expect(first.body.total).toBe(STEPS);
    expect(first.body.steps.name).toEqual(['s0', 's1']);
  });

  it('answers unknown ids with 404 and bad paging with 400, each with its code', async () => {
    const missing = await getJson(harness, '/api/v1/executions/no-such-execution/steps');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    const noOutline = await getJson(harness, '/api/v1/executions/no-such-execution/outline');
    expect(noOutline.status).toBe(404);
    expect(noOutline.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    for (const query of ['limit=0', 'limit=200001', 'offset=1']) {
      const bad = await getJson(harness, `/api/v1/executions/${execution.executionId}/outline?${query}`);
      expect({ query, status: bad.status, code: bad.body.error.code }).toEqual({ query, status: 400, code: expect.stringMatching(/^XRAY_ERR_/) });
    }
    const noStep = await getJson(harness, `/api/v1/executions/${execution.executionId}/steps/0000000000000000`);
    expect(noStep.status).toBe(404);
    expect(noStep.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    for (const query of ['limit=0', 'limit=5001', 'offset=-1', 'preview=abc', 'unknown=1']) {
      const bad = await getJson(harness, `/api/v1/executions/${execution.executionId}/steps?${query}`);
      expect({ query, status: bad.status }).toEqual({ query, status: 400 });
      expect(bad.body.error.code).toMatch(/^XRAY_ERR_/);
      expect(bad.body.error.message.length).toBeGreaterThan(0);
    }
  });
});
