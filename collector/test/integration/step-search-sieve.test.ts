/**
 * Step search's sieves of today's words (api/search-sieves.ts) on the real
 * collector and chDB: with today written to after its build (so the word
 * index cannot answer it), a search today's words rule out is answered
 * without any engine statement on `steps`, and every answer is the bytes the
 * engine alone gives (`Cache-Control: no-cache`). What ingest writes to today,
 * through the decode worker (a large body) or inline (a small one), is found
 * at once, as a whole word, a prefix, a phrase or a payload word; an app
 * that never searches gets no sieve; a restarted collector seeds today's
 * sieve from the stored rows when a search first asks; and random searches
 * of words written today or not agree with the engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseBackend } from '../../src/store/index.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import type { FixtureSpan } from '../support/otlp-fixtures.js';
import { createPick, createRandom } from '../support/seeded-random.js';

const DAY = 86_400_000;
const today = Math.floor(Date.now() / DAY) * DAY;
const VOCABULARY = ['aardvark', 'badger', 'capybara', 'dingo', 'echidna', 'fennec', 'gecko', 'hyrax', 'ibex', 'jackal', 'kinkajou', 'lemur', 'École', 'ab', 'A-1042'];

describe("step search's sieves of today's words (embedded backend)", () => {
  let dataDir: string;
  let harness: Harness;
  /** Engine statements that read `steps`, counted by the backend wrapper. */
  let stepReads = 0;
  const wrapBackend = (backend: ClickHouseBackend): ClickHouseBackend => ({
    ...backend,
    query(sql, params, options) {
      if (/\bFROM steps\b/.test(sql)) stepReads += 1;
      return backend.query(sql, params, options);
    },
  });
  const start = () =>
    startCollector({ dataDir, wrapBackend, replyStore: { settleMillis: 0 }, executionCache: { maxBytes: 0, maxAgeMillis: 0 }, listHead: { maxRows: 0 }, rollups: { intervalMillis: 0 } });

  async function send(spans: FixtureSpan[]): Promise<void> {
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans))).status).toBe(200);
  }
  async function search(q: string, engine = false): Promise<string> {
    const params = new URLSearchParams({ q, from: new Date(today - 5 * DAY).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), limit: '20' });
    const response = await fetch(`${harness.url}/api/v1/steps?${params}`, {
      headers: { authorization: `Bearer ${harness.apiKey}`, ...(engine ? { 'cache-control': 'no-cache' } : {}) },
    });
    expect(response.status, q).toBe(200);
    return response.text();
  }
  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${harness.url}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.slice(name.length + 1));
  }
  /** The search as a user asks it and from the engine alone; how many engine reads of `steps` and sieve rulings the first took. */
  async function both(q: string) {
    const [reads, ruled] = [stepReads, await metric('xray_search_sieve_days_ruled_out_total')];
    const served = await search(q);
    const spent = { stepReads: stepReads - reads, ruledOut: (await metric('xray_search_sieve_days_ruled_out_total')) - ruled };
    return { served, engine: await search(q, true), ...spent };
  }
  const reasoningsOf = (text: string) => (JSON.parse(text) as { steps: { reasoning: string }[] }).steps.map((hit) => hit.reasoning);
  /** A one-step execution with `reasoning`, started at `startMs`. */
  const oneStep = (startMs: number, reasoning: string) => executionSpans({ pipeline: 'p', startMs, steps: [{ name: 's', reasoning }] });
  /** Sends one-step executions, in one request. */
  async function sendSteps(...executions: ReturnType<typeof oneStep>[]): Promise<void> {
    await send(executions.flatMap((execution) => [execution.root, ...execution.steps]));
  }
  /** The search finds one step, its day not ruled out, with the bytes the engine gives; the answer, for more checks. */
  async function foundOnce(q: string) {
    const answer = await both(q);
    expect(answer.ruledOut, q).toBe(0);
    expect(answer.served, q).toBe(answer.engine);
    expect(reasoningsOf(answer.served), q).toHaveLength(1);
    return answer;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'xray-search-sieve-'));
    harness = await start();
    await sendSteps(oneStep(today - 3 * DAY + 3_600_000, 'an aardvark inspected the burrow'), oneStep(Date.now() - 120_000, 'a quokka smiled this morning'));
    await harness.xray.replyBuilder!.pass();
    // Today written to after its build: the word index no longer answers it.
    await sendSteps(oneStep(Date.now() - 60_000, 'a badger dug after the build'));
    // No app has searched yet: no sieve, no words gathered at ingest. The first search of today asks the engine and makes one.
    expect(harness.xray.searchSieves!.stats.sieves).toBe(0);
    expect(harness.xray.searchSieves!.gathers(harness.appId)).toBe(false);
    expect(reasoningsOf(await search('aardvark'))).toEqual(['an aardvark inspected the burrow']);
    expect(harness.xray.searchSieves!.gathers(harness.appId)).toBe(true);
    await harness.xray.searchSieves!.settled();
    expect(harness.xray.searchSieves!.stats).toMatchObject({ sieves: 1, ready: 1 });
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a word today does not hold from the index alone, with no engine read of steps, and the bytes the engine gives', async () => {
    const answer = await both('aardvark');
    expect(answer.ruledOut).toBe(1);
    expect(answer.stepReads).toBe(0);
    expect(answer.served).toBe(answer.engine);
    expect(reasoningsOf(answer.served)).toEqual(['an aardvark inspected the burrow']);
  });

  it("asks the engine for today when today's words may match, and finds what was written before and after the build", async () => {
    for (const [q, reasoning] of [['badger', 'a badger dug after the build'], ['quokka', 'a quokka smiled this morning'], ['badg', 'a badger dug after the build']]) {
      const answer = await both(q!);
      expect(answer.ruledOut, q).toBe(0);
      expect(answer.stepReads, q).toBeGreaterThan(0);
      expect(answer.served, q).toBe(answer.engine);
      expect(reasoningsOf(answer.served), q).toEqual([reasoning]);
    }
  });

  it('finds at once what ingest writes to today, through the decode worker and inline: a word, a prefix, a phrase, a payload word', async () => {
    const workerBodies = await metric('xray_ingest_bodies_decoded_total{thread="worker"}');
    // A body over the inline limit (64 KiB): decoded, and its words gathered, in the decode worker.
    const large = executionSpans({
      pipeline: 'large',
      startMs: Date.now() - 30_000,
      steps: Array.from({ length: 300 }, (_, i) => ({ name: `s${i}`, reasoning: i === 150 ? 'the wolverine howled at dusk' : `routine check ${i} passed within the expected bounds of the policy` })),
    });
    large.steps[7]!.attributes!['input.value'] = JSON.stringify({ token: 'Zebra7734' });
    await send([large.root, ...large.steps]);
    expect(await metric('xray_ingest_bodies_decoded_total{thread="worker"}')).toBe(workerBodies + 1);
    // A small body, decoded inline.
    await sendSteps(oneStep(Date.now() - 20_000, 'a marmot whistled at Zürich 😀grin'));
    for (const q of ['wolverine', 'WOLVER', '"wolverine howled"', 'zebra7734', 'marmot', 'marm']) await foundOnce(q);
    // What no step holds, in the same fields: ruled out.
    for (const q of ['zebra7735', '"wolverine yak"', 'wolverines']) {
      const answer = await both(q);
      expect(answer.served, q).toBe(answer.engine);
      expect(reasoningsOf(answer.served), q).toEqual([]);
      expect(answer.stepReads, q).toBe(0);
    }
  });

  it('agrees with the engine on 150 random searches of words written today or not, and rules out many without it', async () => {
    const next = createRandom(20261207);
    const pick = createPick(next);
    const written = VOCABULARY.filter(() => next() < 0.5);
    for (let batch = 0; batch < 3; batch++) {
      const steps = Array.from({ length: batch === 0 ? 400 : 3 }, (_, i) => ({ name: `r${i}`, reasoning: Array.from({ length: 3 }, () => pick(written)).join(' ') }));
      const execution = executionSpans({ pipeline: 'random', startMs: Date.now() - 10_000, steps });
      await send([execution.root, ...execution.steps]);
    }
    let ruledOut = 0;
    let found = 0;
    for (let i = 0; i < 150; i++) {
      const word = pick(VOCABULARY);
      const q = next() < 0.3 ? [...word].slice(0, 1 + Math.floor(next() * word.length)).join('') : next() < 0.2 ? `"${word} ${pick(VOCABULARY)}"` : word;
      const answer = await both(q);
      expect(answer.served, q).toBe(answer.engine);
      ruledOut += answer.ruledOut;
      if (reasoningsOf(answer.served).length > 0) found += 1;
    }
    expect(ruledOut).toBeGreaterThan(20);
    expect(found).toBeGreaterThan(20);
  });

  it('makes no sieve for an app that never searches, and gathers none of its words, while another app has one', async () => {
    const quietKey = await harness.createApp('quiet');
    const large = executionSpans({ pipeline: 'q', startMs: Date.now() - 30_000, steps: Array.from({ length: 300 }, (_, i) => ({ name: `q${i}`, reasoning: `a quiet step ${i} with enough words to need the decode worker` })) });
    expect((await postJson(harness.url, quietKey, jsonRequest([large.root, ...large.steps]))).status).toBe(200);
    const sieves = harness.xray.searchSieves!;
    expect([sieves.gathers('quiet'), sieves.gathers(harness.appId)]).toEqual([false, true]);
    expect(sieves.stats.sieves).toBe(1);
  });

  it("seeds a restarted collector's sieve of today from the stored rows once a search asks: finds what was stored, rules out the rest", async () => {
    await harness.close();
    harness = await start();
    expect(await metric('xray_search_sieves')).toBe(0);
    // The restarted builder lists the days and builds today again; a write then leaves today to the engine or the sieve.
    await harness.xray.replyBuilder!.pass();
    await sendSteps(oneStep(Date.now() - 5_000, 'a stoat arrived after the restart'));
    expect((await both('okapi')).stepReads).toBeGreaterThan(0);
    await harness.xray.searchSieves!.settled();
    expect(await metric('xray_search_sieves_ready')).toBe(1);
    // Words stored before the restart, non-ASCII ones among them, come back through the seed's reading of the engine's text.
    for (const q of ['stoat', 'Zürich', 'zürich', '😀gri', 'zebra7734']) await foundOnce(q);
    expect(reasoningsOf((await foundOnce('wolverine')).served)).toEqual(['the wolverine howled at dusk']);
    const absent = await both('narwhal');
    expect(absent.ruledOut).toBe(1);
    expect(absent.stepReads).toBe(0);
    expect(absent.served).toBe(absent.engine);
    expect(reasoningsOf(absent.served)).toEqual([]);
  });
});

describe("step search's sieves with a store that hangs while reading a day's words", () => {
  it('answers searches from the engine meanwhile, and the shutdown does not wait for the hung read', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xray-search-sieve-hung-'));
    let hungReads = 0;
    const harness = await startCollector({
      dataDir,
      replyStore: { settleMillis: 0 },
      // The seed's word reads never answer; every other statement reaches the real engine.
      wrapBackend: (backend) => ({
        ...backend,
        query(sql, params, options) {
          if (!sql.includes('groupUniqArray')) return backend.query(sql, params, options);
          hungReads += 1;
          return new Promise(() => {});
        },
      }),
    });
    try {
      const execution = executionSpans({ pipeline: 'p', startMs: Date.now() - 60_000, steps: [{ name: 's', reasoning: 'an okapi grazed' }] });
      expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
      const searchFinds = async (q: string) => {
        const params = new URLSearchParams({ q, from: new Date(Date.now() - DAY).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
        const response = await fetch(`${harness.url}/api/v1/steps?${params}`, { headers: { authorization: `Bearer ${harness.apiKey}` } });
        expect(response.status, q).toBe(200);
        return ((await response.json()) as { steps: unknown[] }).steps.length;
      };
      // The first search makes today's sieve, whose seed then hangs.
      expect(await searchFinds('okapi')).toBe(1);
      const deadline = Date.now() + 10_000;
      while (hungReads === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(hungReads).toBe(1);
      for (const q of ['okapi', 'narwhal']) expect(await searchFinds(q), q).toBe(q === 'okapi' ? 1 : 0);
      expect(harness.xray.searchSieves!.stats).toMatchObject({ sieves: 1, ready: 0 });
    } finally {
      const closing = Date.now();
      await harness.close();
      expect(Date.now() - closing).toBeLessThan(10_000);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
