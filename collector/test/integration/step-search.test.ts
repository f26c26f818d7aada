/**
 * Step search over everything that explains a decision (issue 11 item 2),
 * against a real collector on both backends: words of reasoning, error
 * messages, input and output; word prefixes and phrases; the snippet with
 * its matches marked; another app's matching steps never seen; the text
 * indexes actually pruning granules; `xray steps --search`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';
import { runCliAgainst } from '../support/run-cli.js';
import { stepSearchQuery } from '../../src/store/executions.js';

interface Hit {
  name: string;
  executionId: string;
  snippet: { field: string; text: string; highlights: [number, number][]; clippedStart: boolean; clippedEnd: boolean } | null;
}

describe.each<BackendKind>(['embedded', 'server'])('step search (%s backend)', (backend) => {
  let harness: Harness;
  let otherKey: string;
  let mine: ReturnType<typeof executionSpans>;

  beforeAll(async () => {
    harness = await startCollector({ backend });
    mine = executionSpans({
      pipeline: 'search-loan',
      steps: [
        { name: 'score', reasoning: 'Score 590 fell below the freshness Threshold of 600, so manual review.' },
        { name: 'fetch', reasoning: 'fetched' },
        { name: 'bureau', failed: true },
        { name: 'decide', reasoning: 'decided' },
      ],
    });
    mine.steps[1].attributes['input.value'] = JSON.stringify({ applicant: 'A-1042', note: 'credit score below limit' });
    mine.steps[2].error = 'Bureau unavailable: upstream timeout';
    mine.steps[3].attributes['output.value'] = JSON.stringify({ decision: 'rejected', reason: 'thresholds exceeded' });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([mine.root, ...mine.steps]))).status).toBe(200);

    // Another app with steps matching every search above.
    otherKey = await harness.createApp('search-other');
    const theirs = executionSpans({
      pipeline: 'search-loan',
      steps: [{ name: 'their-score', reasoning: 'threshold credit score below upstream rejected A-1042' }],
    });
    expect((await postJson(harness.url, otherKey, jsonRequest([theirs.root, ...theirs.steps]))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function search(q: string, key = harness.apiKey): Promise<Hit[]> {
    const response = await getJson(harness, `/api/v1/steps?${new URLSearchParams({ q })}`, key);
    expect(response.status).toBe(200);
    return response.body.steps;
  }
  const names = (hits: Hit[]) => hits.map((hit) => hit.name).sort();
  const marked = (hit: Hit) => hit.snippet!.highlights.map(([start, end]) => hit.snippet!.text.slice(start, end));

  it('finds a word prefix in reasoning, case-insensitively, and marks the match in the snippet', async () => {
    const hits = await search('thresh');
    // `thresholds` in the output is a whole word there, not `thresh`.
    expect(names(hits)).toEqual(['score']);
    expect(hits[0].snippet).toMatchObject({ field: 'reasoning', clippedStart: false, clippedEnd: false });
    expect(marked(hits[0])).toEqual(['Thresh']);
    expect(hits[0].snippet!.text).toBe('Score 590 fell below the freshness Threshold of 600, so manual review.');
  });

  it('does not match inside a word', async () => {
    // `freshness` holds `resh` but does not start with it.
    expect(await search('resh')).toEqual([]);
  });

  it('finds whole words of input and output, and prefixes of error messages', async () => {
    const input = await search('limit');
    expect(names(input)).toEqual(['fetch']);
    expect(input[0].snippet!.field).toBe('input');
    expect(marked(input[0])).toEqual(['limit']);

    const output = await search('thresholds');
    expect(names(output)).toEqual(['decide']);
    expect(output[0].snippet!.field).toBe('output');

    const error = await search('upstr');
    expect(names(error)).toEqual(['bureau']);
    expect(error[0].snippet).toMatchObject({ field: 'error.message' });
    expect(marked(error[0])).toEqual(['upstr']);
  });

  it('matches a quoted phrase as consecutive words, and every term of a search', async () => {
    const phrase = await search('"credit score below"');
    expect(names(phrase)).toEqual(['fetch']);
    expect(marked(phrase[0])).toEqual(['credit score below']);
    // The same words out of order are not the phrase.
    expect(await search('"below score credit"')).toEqual([]);
    // A word with punctuation is a phrase of its parts.
    expect(names(await search('A-1042'))).toEqual(['fetch']);
    // All terms must match; each may match in any field.
    expect(names(await search('manual "freshness threshold"'))).toEqual(['score']);
    expect(await search('manual limit')).toEqual([]);
  });

  it("never returns another app's matching steps", async () => {
    for (const q of ['thresh', '"credit score below"', 'upstream', 'rejected', 'A-1042']) {
      const hits = await search(q);
      expect(hits.every((hit) => hit.executionId === mine.executionId)).toBe(true);
      const theirs = await search(q, otherKey);
      expect(names(theirs)).toEqual(['their-score']);
    }
  });

  it('filters the executions list with the same search', async () => {
    const response = await getJson(harness, `/api/v1/executions?${new URLSearchParams({ q: '"credit score below"' })}`);
    expect(response.body.executions.map((e: { executionId: string }) => e.executionId)).toEqual([mine.executionId]);
  });

  it('refuses a search without words, saying so', async () => {
    const response = await getJson(harness, `/api/v1/steps?${new URLSearchParams({ q: '" - "' })}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('XRAY_ERR_VALIDATION');
    expect(response.body.error.message).toContain('has no words');
  });

  it('reads only the granules the text indexes select', async () => {
    // Enough rows for many granules (steps keep 1,024 rows a granule); one of them holds the word.
    await harness.store.backend.command(
      `INSERT INTO steps (app_id, execution_id, span_id, start_time, end_time, reasoning, input, output, error_message)
SELECT {appId:String}, concat('bulk-', toString(intDiv(number, 20))), concat('span-', toString(number)), now64(9), now64(9),
  if(number = 7777, 'the rarest quokkaword here', 'ordinary reasoning words'), '{"a":1}', '{"b":2}', ''
FROM numbers(20000)`,
      { appId: harness.appId },
    );
    // The search as the repository builds it.
    const now = Date.now();
    const built = stepSearchQuery(harness.appId, { fromMillis: now - 86_400_000, toMillis: now + 60_000, reasoning: 'quokkaw' }, 50);
    const plan = await harness.store.backend.query<{ explain: string }>(`EXPLAIN indexes = 1 ${built.sql}`, built.params);
    const lines = plan.map((row) => row.explain.trim());
    for (const index of ['explanation_words', 'payload_words']) expect(lines).toContain(`Name: ${index}`);
    // Migration 0100's four indexes are gone (migration 0140).
    expect(lines.filter((line) => /^Name: (reasoning|error_message|input|output)_words$/.test(line))).toEqual([]);
    const combined = lines.indexOf('Name: <Combined skip indexes>');
    const granules = /^Granules: (\d+)\/(\d+)$/.exec(lines.slice(combined).find((line) => line.startsWith('Granules:'))!)!;
    expect(Number(granules[1])).toBeLessThan(Number(granules[2]));
    expect(names(await search('quokkaw'))).toHaveLength(1);
  });

  it('is xray steps --search, the match between « and »', async () => {
    const result = await runCliAgainst(harness, ['steps', '--search', 'thresh']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('MATCH');
    expect(result.stdout).toContain('«Thresh»old');
  });
});
