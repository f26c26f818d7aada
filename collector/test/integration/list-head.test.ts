/**
 * The list head (api/list-head.ts) against the real collector on chDB: pages
 * of the executions list answered from memory are the pages ClickHouse gives
 * (`Cache-Control: no-cache` reads past the head), for every filter it
 * answers, with cursors, start-time ties and ids ClickHouse orders by UTF-8
 * bytes; a new execution, a late step and a deletion are seen by the next
 * read; a new execution the SDK sends in one request is added from the
 * insert's own rows (no read), one whose steps came first is read; pages the
 * head does not hold go to ClickHouse; apps never share it.
 * /metrics says what answered.
 */
import XRaySDK from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall } from '../support/admin-api.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, newSpanId, postJson } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

interface Page {
  executions: { executionId: string; pipeline: string; status: string; environment: string; startTimeUnixNano: string; stepCount: number; errorCount: number }[];
  nextCursor: string | null;
}

const MINUTE = 60_000;

describe('list head (embedded backend)', () => {
  let harness: Harness;
  let keyA: string;
  let keyB: string;
  const base = Date.now() - 3 * 3_600_000;

  async function send(key: string, spans: Parameters<typeof jsonRequest>[0]): Promise<void> {
    expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
  }
  async function list(key: string, query: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const response = await fetch(`${harness.url}/api/v1/executions?${new URLSearchParams(query)}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
    expect(response.status).toBe(200);
    return (await response.json()) as Page;
  }
  /** The list pages counted by source on /metrics. */
  async function reads(): Promise<{ head: number; engine: number }> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const count = (source: string) => Number(new RegExp(`^xray_execution_list_reads_total\\{source="${source}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { head: count('head'), engine: count('engine') };
  }
  /** Reads `query` through the head and past it; both must agree. Returns the page and what answered the first read. */
  async function bothWays(key: string, query: Record<string, string>): Promise<{ page: Page; head: number; engine: number }> {
    const before = await reads();
    const page = await list(key, query);
    const after = await reads();
    expect(page).toEqual(await list(key, query, { 'cache-control': 'no-cache' }));
    return { page, head: after.head - before.head, engine: after.engine - before.engine };
  }
  const window = { from: new Date(base - 60 * MINUTE).toISOString(), to: new Date(Date.now() + MINUTE).toISOString() };

  beforeAll(async () => {
    // A head of 30 executions per app: small enough that some pages reach past it.
    harness = await startCollector({ listHead: { maxRows: 30 } });
    keyA = await harness.createApp('head-a');
    keyB = await harness.createApp('head-b');
    const spans: Parameters<typeof jsonRequest>[0] = [];
    // Pairs share a start time, so ids break ties. The newest ids need more than ASCII: U+1F600 sorts after
    // U+FFFD by code point (UTF-8 bytes, as ClickHouse sorts) but before it by UTF-16 code unit.
    const ids: Record<number, string> = { 0: 'a-first', 44: 'z-last', 45: 'é-accent', 46: '\u{1F600}-emoji', 47: '\uFFFD-replacement' };
    for (let i = 0; i < 48; i++) {
      const execution = executionSpans({
        executionId: ids[i] ?? `exec-${String(i).padStart(3, '0')}`,
        pipeline: ['loan', 'fraud', 'ranking'][i % 3]!,
        startMs: base + Math.floor(i / 2) * MINUTE,
        steps: [{ name: 'fetch' }, { name: 'decide', failed: i % 4 === 0 }],
        failed: i % 4 === 0,
      });
      if (i % 5 === 0) execution.root.attributes!['xray.environment'] = 'staging';
      spans.push(execution.root, ...execution.steps);
    }
    await send(keyA, spans);
    // App B: one execution with an id app A also uses.
    const other = executionSpans({ executionId: 'a-first', pipeline: 'loan', startMs: base, steps: [{ name: 'only' }] });
    await send(keyB, [other.root, ...other.steps]);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers each filter it covers with the page ClickHouse gives, ids in UTF-8 byte order, ties broken by id', async () => {
    const first = await bothWays(keyA, { ...window, limit: '10' });
    expect(first.head).toBe(1);
    expect(first.page.executions.map((e) => e.executionId).slice(0, 5)).toEqual(['\u{1F600}-emoji', '\uFFFD-replacement', 'é-accent', 'z-last', 'exec-043']);
    for (const query of [
      { limit: '5' },
      { pipeline: 'loan', limit: '4' },
      { status: 'failed', limit: '3' },
      { pipeline: 'fraud', status: 'completed', limit: '2' },
      { environment: 'staging', limit: '2' },
      { idPrefix: 'exec-03', limit: '5' },
    ]) {
      const { page, head, engine } = await bothWays(keyA, { ...window, ...query });
      expect(page.executions.length).toBeGreaterThan(0);
      expect({ query, head, engine }).toEqual({ query, head: 1, engine: 0 });
    }
    // The oldest executions lie below what the head holds: ClickHouse answers.
    const oldest = await bothWays(keyA, { from: new Date(base - MINUTE).toISOString(), to: new Date(base + 2 * MINUTE).toISOString(), limit: '10' });
    expect(oldest.page.executions.map((e) => e.executionId)).toEqual(['exec-003', 'exec-002', 'exec-001', 'a-first']);
    expect({ head: oldest.head, engine: oldest.engine }).toEqual({ head: 0, engine: 1 });
  });

  it('pages with cursors the same way, to the last page, past the head into ClickHouse', async () => {
    const pages: string[][] = [];
    let cursor: string | null = null;
    const sources = { head: 0, engine: 0 };
    do {
      const result: { page: Page; head: number; engine: number } = await bothWays(keyA, { ...window, limit: '7', ...(cursor ? { cursor } : {}) });
      pages.push(result.page.executions.map((e) => e.executionId));
      sources.head += result.head;
      sources.engine += result.engine;
      cursor = result.page.nextCursor;
    } while (cursor);
    expect(pages.flat()).toHaveLength(48);
    expect(new Set(pages.flat()).size).toBe(48);
    // The first pages come from the head (the newest 28: the 30 read less the oldest start time's, which may have
    // twins it did not read), the last from ClickHouse.
    expect(sources.head).toBe(3);
    expect(sources.engine).toBe(pages.length - 3);
  });

  it('shows a new execution and a late step at the next read, and a deleted execution no more', async () => {
    await list(keyA, { ...window, limit: '5' });
    const fresh = executionSpans({ executionId: 'exec-new', pipeline: 'loan', startMs: Date.now() - 1000, steps: [{ name: 'fetch' }] });
    await send(keyA, [fresh.root, ...fresh.steps]);
    const withNew = await bothWays(keyA, { ...window, limit: '5' });
    expect(withNew.head).toBe(1);
    expect(withNew.page.executions[0]).toMatchObject({ executionId: 'exec-new', stepCount: 1, errorCount: 0 });

    // A late, failed step of it: its counts change.
    await send(keyA, [{ traceId: fresh.traceId, spanId: newSpanId(), parentSpanId: fresh.root.spanId, name: 'late', startMs: Date.now() - 500, durationMs: 5,
      attributes: { 'xray.execution.id': 'exec-new', 'xray.pipeline': 'loan', 'xray.step.sequence': 1, 'xray.step.status': 'failed' }, error: 'late failed' }]);
    const withLate = await bothWays(keyA, { ...window, limit: '5' });
    expect(withLate.head).toBe(1);
    expect(withLate.page.executions[0]).toMatchObject({ executionId: 'exec-new', stepCount: 2, errorCount: 1 });

    const deleted = await adminCall(harness, 'DELETE', '/apps/head-a/executions/exec-new');
    expect(deleted.status).toBe(200);
    const afterDelete = await bothWays(keyA, { ...window, limit: '5' });
    expect(afterDelete.page.executions.map((e) => e.executionId)).not.toContain('exec-new');
  });

  it('lists the newest version of a root sent again with another status', async () => {
    const resent = executionSpans({ executionId: 'exec-resent', pipeline: 'loan', startMs: Date.now() - 2000, steps: [{ name: 'fetch' }], failed: true });
    await send(keyA, [resent.root, ...resent.steps]);
    const failedPage = await list(keyA, { ...window, status: 'failed', limit: '3' });
    expect(failedPage.executions[0]).toMatchObject({ executionId: 'exec-resent', status: 'failed' });
    const { error: _error, ...completedRoot } = resent.root;
    completedRoot.attributes = { ...resent.root.attributes, 'xray.execution.status': 'completed' };
    await send(keyA, [completedRoot]);
    const before = await reads();
    expect((await list(keyA, { ...window, status: 'completed', limit: '3' })).executions[0]).toMatchObject({ executionId: 'exec-resent', status: 'completed' });
    expect((await list(keyA, { ...window, status: 'failed', limit: '3' })).executions.map((e) => e.executionId)).not.toContain('exec-resent');
    expect((await reads()).head - before.head).toBe(2);
  });

  it("never shows one app another app's executions, even one with the same id", async () => {
    const b = await bothWays(keyB, { ...window, limit: '50' });
    expect(b.page.executions.map((e) => e.executionId)).toEqual(['a-first']);
    expect(b.page.executions[0]).toMatchObject({ stepCount: 1 });
    const a = await bothWays(keyA, { ...window, idPrefix: 'a-', limit: '50' });
    expect(a.page.executions).toHaveLength(1);
    expect(a.page.executions[0]).toMatchObject({ executionId: 'a-first', stepCount: 2 });
  });

  it('leaves step, search and business-key filters to ClickHouse', async () => {
    for (const filter of [{ step: 'decide' }, { q: 'anything' }, { where: 'customer=alice' }]) {
      const { head, engine } = await bothWays(keyA, { ...window, ...filter, limit: '5' });
      expect({ filter, head, engine }).toEqual({ filter, head: 0, engine: 0 });
    }
    // A page whose window reaches below what the head holds, and is not filled above it, is ClickHouse's.
    const sparse = await bothWays(keyA, { ...window, idPrefix: 'exec-04', limit: '20' });
    expect(sparse.page.executions).toHaveLength(4);
    expect({ head: sparse.head, engine: sparse.engine }).toEqual({ head: 0, engine: 1 });
  });

  it("adds an execution the SDK sent in one request from the insert's rows, usage included, and reads one whose steps came first", async () => {
    const head = harness.xray.listHead!;
    await list(keyA, { ...window, limit: '5' });
    const before = { ...head.stats };
    // A window the head wholly covers: its page is exact however short.
    const recent = { from: new Date(Date.now() - 30_000).toISOString(), to: window.to };
    const xray = new XRaySDK({ apiKey: keyA, endpoint: harness.url, pipeline: 'loan', environment: 'prod' });
    const execution = xray.startExecution();
    execution.recordStep({ name: 'score', input: { applicant: 'A-1' }, output: { score: 0.5 }, model: 'm', provider: 'p', inputTokens: 120, outputTokens: 30, costUsd: 0.25 });
    execution.recordStep({ name: 'explain', reasoning: 'below the bar', status: 'failed', inputTokens: 8, costUsd: 0.5 });
    execution.recordStep({ name: 'queue', output: { queued: true } });
    execution.failExecution(new Error('declined'));
    expect(await xray.shutdown()).toMatchObject({ dropped: 0, failed: 0 });
    const sdkPage = await bothWays(keyA, { ...recent, environment: 'prod', limit: '5' });
    expect(sdkPage.head).toBe(1);
    expect(sdkPage.page.executions[0]).toMatchObject({ executionId: execution.executionId, status: 'failed', stepCount: 3, errorCount: 1 });
    expect(head.stats.fromIngest - before.fromIngest).toBe(1);
    expect(head.stats.refreshes).toBe(before.refreshes);

    // Steps first (as a span processor sends spans as they end), then the root: its steps were stored before it.
    const split = executionSpans({ executionId: 'exec-split', pipeline: 'fraud', startMs: Date.now() - 800, steps: [{ name: 'a' }, { name: 'b', failed: true }] });
    await send(keyA, split.steps);
    await send(keyA, [split.root]);
    const splitPage = await bothWays(keyA, { ...recent, idPrefix: 'exec-split', limit: '5' });
    expect(splitPage.head).toBe(1);
    expect(splitPage.page.executions[0]).toMatchObject({ executionId: 'exec-split', stepCount: 2, errorCount: 1 });
    expect(head.stats.refreshes).toBe(before.refreshes + 1);
    expect(head.stats.fromIngest - before.fromIngest).toBe(1);
    // /metrics counts both ways.
    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toContain(`xray_list_head_updates_total{source="ingest"} ${head.stats.fromIngest}`);
    expect(metrics).toContain(`xray_list_head_updates_total{source="read"} ${head.stats.refreshes}`);
  });
});

describe('list head under a random mix of writes (embedded backend)', () => {
  it('answers every page as ClickHouse does after each write: whole executions, steps before roots, late and re-delivered steps, re-sent roots, requests a decode worker encodes and counts', async () => {
    const harness = await startCollector({ listHead: { maxRows: 500 } });
    try {
      const key = harness.apiKey;
      const head = harness.xray.listHead!;
      const next = createRandom(20261205);
      const pick = createPick(next);
      const started = Date.now() - 600_000;
      const window = { from: new Date(started - 60_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
      const send = async (spans: Parameters<typeof jsonRequest>[0]) => expect((await postJson(harness.url, key, jsonRequest(spans))).status).toBe(200);
      const page = async (query: Record<string, string>, headers: Record<string, string> = {}) => {
        const response = await fetch(`${harness.url}/api/v1/executions?${new URLSearchParams({ ...window, ...query })}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
        expect(response.status).toBe(200);
        return (await response.json()) as Page;
      };
      /** A step span of `execution`, with usage whose sums are exact in any order. */
      const step = (execution: ReturnType<typeof executionSpans>, index: number, extra: { spanId?: string; reasoning?: string } = {}) => ({
        traceId: execution.traceId,
        spanId: extra.spanId ?? newSpanId(),
        parentSpanId: execution.root.spanId,
        name: pick(['fetch', 'score', 'decide']),
        startMs: execution.root.startMs + index,
        durationMs: 1,
        attributes: {
          'xray.execution.id': execution.executionId,
          'xray.pipeline': execution.root.attributes!['xray.pipeline'] as string,
          'xray.step.sequence': index,
          'xray.step.status': next() < 0.2 ? 'failed' : 'completed',
          'gen_ai.usage.input_tokens': Math.floor(next() * 100),
          'xray.step.cost_usd': pick([0, 0.25, 0.5, 2]),
          ...(extra.reasoning ? { 'xray.step.reasoning': extra.reasoning } : {}),
        },
      });
      const executions: ReturnType<typeof executionSpans>[] = [];
      const newExecution = (i: number) => {
        const execution = executionSpans({ executionId: `rand-${String(i).padStart(3, '0')}`, pipeline: pick(['loan', 'fraud']), startMs: started + i * 1000, steps: [], failed: next() < 0.3 });
        executions.push(execution);
        return execution;
      };
      const kinds: string[] = [];
      for (let i = 0; i < 40; i++) {
        const kind = i < 3 ? 'whole' : pick(['whole', 'whole', 'whole', 'split', 'late', 'redelivered', 'resent', 'large']);
        kinds.push(kind);
        if (kind === 'whole' || kind === 'redelivered') {
          const execution = newExecution(i);
          const steps = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, index) => step(execution, index));
          // A step sent twice in the request: counted once by ClickHouse, left to it by the head.
          if (kind === 'redelivered') steps.push({ ...steps[0]!, attributes: { ...steps[0]!.attributes, 'xray.step.status': 'failed' } });
          await send([execution.root, ...steps]);
        } else if (kind === 'split') {
          const execution = newExecution(i);
          await send([step(execution, 0), step(execution, 1)]);
          await send([execution.root]);
        } else if (kind === 'late') {
          await send([step(pick(executions), 50 + i)]);
        } else if (kind === 'resent') {
          const { error: _error, ...root } = pick(executions).root;
          await send([{ ...root, attributes: { ...root.attributes, 'xray.execution.status': pick(['completed', 'failed']) } }]);
        } else {
          // Over the decode worker's 64 KiB: its steps are encoded off the main thread, and counted there for the head.
          const execution = newExecution(i);
          const reasoning = 'because '.repeat(120);
          await send([execution.root, ...Array.from({ length: 80 }, (_, index) => step(execution, index, { reasoning }))]);
        }
        for (const query of [{ limit: '10' }, { status: 'failed', limit: '5' }, { pipeline: 'loan', limit: '8' }]) {
          const fromHead = await page(query);
          expect({ i, kind, query, page: fromHead }).toEqual({ i, kind, query, page: await page(query, { 'cache-control': 'no-cache' }) });
        }
      }
      // Each way of learning of writes was taken.
      expect(head.stats.fromIngest).toBeGreaterThan(5);
      expect(head.stats.refreshes).toBeGreaterThan(5);
      expect(new Set(kinds)).toEqual(new Set(['whole', 'split', 'late', 'redelivered', 'resent', 'large']));
    } finally {
      await harness.close();
    }
  });
});

describe('list head turned off (XRAY_LIST_HEAD_ROWS=0)', () => {
  it('answers every page from ClickHouse', async () => {
    const harness = await startCollector({ listHead: { maxRows: 0 } });
    try {
      const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      const response = await fetch(`${harness.url}/api/v1/executions?pipeline=loan`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
      expect(((await response.json()) as Page).executions.map((e) => e.executionId)).toEqual([execution.executionId]);
      expect(harness.xray.listHead).toBeUndefined();
      expect(await (await fetch(`${harness.url}/metrics`)).text()).not.toContain('xray_execution_list_reads_total');
    } finally {
      await harness.close();
    }
  });
});

describe('list head with a ClickHouse server', () => {
  it('is off: every page comes from ClickHouse', async () => {
    const harness = await startCollector({ backend: 'server' });
    try {
      const execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'a' }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      const response = await fetch(`${harness.url}/api/v1/executions`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
      expect(((await response.json()) as Page).executions.map((e) => e.executionId)).toEqual([execution.executionId]);
      const metrics = await (await fetch(`${harness.url}/metrics`)).text();
      expect(metrics).not.toContain('xray_execution_list_reads_total');
      expect(harness.xray.listHead).toBeUndefined();
    } finally {
      await harness.close();
    }
  });
});
