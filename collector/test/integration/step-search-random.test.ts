/**
 * Step search against a reference: seeded random texts (mixed case, digits,
 * accents, CJK, emoji, underscores, hyphens, long words) in reasoning, error
 * messages, input and output, and random searches (words, prefixes of every
 * length, phrases, several terms, cases that differ), each answered by the
 * real collector on chDB and by a plain reading of the documented rules:
 *
 * - words are runs of ASCII letters and digits and of non-ASCII characters;
 *   ASCII letters compare lower-cased, every other character as it is;
 * - a bare word of 4 characters or more matches a word starting with it in
 *   reasoning and error messages, and a whole word in input and output; a
 *   shorter one, a whole word anywhere;
 * - a quoted phrase, or a bare word that holds several words, matches those
 *   words whole and consecutive within one field;
 * - every term must match, each in any field.
 *
 * How a search splits into terms is the parser's (`parseSearch`, tested on
 * its own); what each term matches is read here from the texts.
 *
 * The matching steps must be exactly the reference's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { createPick, createRandom } from '../support/seeded-random.js';
import { parseSearch } from '../../src/store/step-search.js';
import type { SearchTerm } from '../../src/store/step-search.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const VOCABULARY = [
  'threshold', 'thresholds', 'Threshold', 'THRESH', 'score', 'scored', 'Score', 'ab', 'abc', 'abcd', 'A-1042', 'a1042', '1042',
  'École', 'école', 'ÉCOLE', 'écolier', 'naïve', 'NAÏVE', 'straße', 'über', 'Über', '日本語', '日本', '😀smile', 'smile',
  'under_score', 'credit', 'Credit', 'below', 'limit', 'limits', `long${'x'.repeat(60)}`, 'x1', 'X1y2',
];
const SEPARATORS = [' ', ' ', ' ', ', ', '-', '_', '. ', '/', ': ', '"', "'", ' (', ') '];

/** Words as documented: runs of ASCII letters and digits and non-ASCII characters, ASCII letters lower-cased. */
function wordsOf(text: string): string[] {
  const words: string[] = [];
  let word = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const isWord = code >= 0x80 || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
    if (isWord) word += code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : char;
    else if (word) {
      words.push(word);
      word = '';
    }
  }
  if (word) words.push(word);
  return words;
}

interface StepTexts {
  reasoning: string;
  error: string;
  input: string;
  output: string;
}

/** Whether `words` (a field's, in order) hold `term` at `start`: a prefix in reasoning and error messages (`explains`) from 4 characters, else whole words. */
function termAt(term: SearchTerm, words: readonly string[], start: number, explains: boolean): boolean {
  if (term.kind === 'prefix') {
    // 4 characters: code points, as a user counts them.
    const prefix = explains && [...term.word].length >= 4;
    return prefix ? words[start]!.startsWith(term.word) : words[start] === term.word;
  }
  return term.words.every((word, k) => words[start + k] === word);
}

function termMatches(term: SearchTerm, step: StepTexts): boolean {
  const fields: [string, boolean][] = [[step.reasoning, true], [step.error, true], [step.input, false], [step.output, false]];
  return fields.some(([text, explains]) => {
    const words = wordsOf(text);
    return words.some((_, start) => termAt(term, words, start, explains));
  });
}

describe('step search against the documented rules, random texts and searches (embedded backend)', () => {
  let harness: Harness;
  const next = createRandom(61206);
  const pick = createPick(next);
  const text = (min: number, max: number) => {
    const count = min + Math.floor(next() * (max - min + 1));
    let out = '';
    for (let i = 0; i < count; i++) out += (i > 0 ? pick(SEPARATORS) : '') + pick(VOCABULARY);
    return out;
  };
  const steps = new Map<string, StepTexts>();
  const window = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };

  beforeAll(async () => {
    harness = await startCollector();
    const spans: Parameters<typeof jsonRequest>[0] = [];
    for (let e = 0; e < 12; e++) {
      const execution = executionSpans({
        pipeline: 'search-random',
        startMs: Date.now() - 600_000 + e * 1000,
        steps: Array.from({ length: 5 }, (_, s) => ({ name: `step-${e}-${s}`, reasoning: text(2, 8) })),
      });
      for (const step of execution.steps) {
        const texts: StepTexts = { reasoning: String(step.attributes!['xray.step.reasoning']), error: '', input: '', output: '' };
        if (next() < 0.3) step.error = texts.error = text(1, 5);
        if (next() < 0.4) step.attributes!['input.value'] = texts.input = JSON.stringify({ note: text(1, 5) });
        if (next() < 0.4) step.attributes!['output.value'] = texts.output = JSON.stringify({ reason: text(1, 5) });
        steps.set(step.spanId, texts);
      }
      spans.push(execution.root, ...execution.steps);
    }
    // Words whose case differs only outside ASCII, each field holding what another one lacks.
    const edge = executionSpans({
      pipeline: 'search-random',
      startMs: Date.now() - 300_000,
      steps: [
        { name: 'edge-0', reasoning: 'École smile' },
        { name: 'edge-1', reasoning: 'ÜBER straße' },
        { name: 'edge-2', reasoning: 'Naïve préécole' },
      ],
    });
    edge.steps[0]!.error = 'smile école';
    edge.steps[1]!.error = 'über';
    edge.steps[2]!.error = 'naïve';
    for (const step of edge.steps) {
      steps.set(step.spanId, { reasoning: String(step.attributes!['xray.step.reasoning']), error: step.error!, input: '', output: '' });
    }
    spans.push(edge.root, ...edge.steps);
    expect((await postJson(harness.url, harness.apiKey, jsonRequest(spans))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A random search: a word, a prefix of one, a phrase taken from a stored field, or several of these; cases changed at random. */
  function randomSearch(): string {
    const one = (): string => {
      const kind = next();
      if (kind < 0.35) return pick(VOCABULARY);
      if (kind < 0.65) {
        const word = [...pick(VOCABULARY)];
        return word.slice(0, 1 + Math.floor(next() * word.length)).join('');
      }
      const texts = pick([...steps.values()]);
      const words = wordsOf(pick([texts.reasoning, texts.error, texts.input, texts.output].filter(Boolean)));
      const start = Math.floor(next() * Math.max(1, words.length - 1));
      return `"${words.slice(start, start + 2 + Math.floor(next() * 2)).join(pick([' ', ', ', '-']))}"`;
    };
    const terms = Array.from({ length: next() < 0.75 ? 1 : 2 }, one).join(' ');
    return next() < 0.3 ? terms.toUpperCase() : terms;
  }

  it('finds exactly the steps the rules find, for 120 random searches', async () => {
    const mismatches: { search: string; missing: string[]; extra: string[] }[] = [];
    let nonEmpty = 0;
    const fixed = ['"école smile"', 'über', '"über straße"', 'écol', 'naïv', 'NAÏVE', 'ÉCOLE', '😀sm', '😀smi', 'ÉCOL'];
    for (let i = 0; i < 120 + fixed.length; i++) {
      const search = i < fixed.length ? fixed[i]! : randomSearch();
      // The grammar of a search (quotes, chunks) is the parser's, tested on its own; what a term matches is checked here.
      const parsed = parseSearch(search);
      if (!parsed.ok) continue;
      const terms = parsed.terms;
      const expected = [...steps].filter(([, texts]) => terms.every((term) => termMatches(term, texts))).map(([spanId]) => spanId).sort();
      const response = await getJson(harness, `/api/v1/steps?${new URLSearchParams({ q: search, ...window, limit: '500' })}`, harness.apiKey);
      expect(response.status, search).toBe(200);
      const hits = response.body.steps as { spanId: string; snippet: { field: string; text: string; highlights: [number, number][] } | null }[];
      const found = hits.map((hit) => hit.spanId).sort();
      // Each hit shows where it matched, and what it marks matches a term by the same rules.
      for (const hit of hits) {
        expect(hit.snippet?.highlights.length, `${search}: snippet of ${JSON.stringify(steps.get(hit.spanId))}`).toBeGreaterThan(0);
        for (const [start, end] of hit.snippet!.highlights) {
          const marked = wordsOf(hit.snippet!.text.slice(start, end));
          const explains = hit.snippet!.field === 'reasoning' || hit.snippet!.field === 'error.message';
          // Exactly the term's words are marked: one for a word, the phrase's for a phrase.
          expect(
            terms.some((term) => marked.length === (term.kind === 'prefix' ? 1 : term.words.length) && termAt(term, marked, 0, explains)),
            `${search}: marked ${JSON.stringify(hit.snippet!.text.slice(start, end))}`,
          ).toBe(true);
        }
      }
      if (expected.length > 0) nonEmpty += 1;
      const missing = expected.filter((id) => !found.includes(id));
      const extra = found.filter((id) => !expected.includes(id));
      if (missing.length > 0 || extra.length > 0) {
        mismatches.push({ search, missing: missing.map((id) => JSON.stringify(steps.get(id))), extra: extra.map((id) => JSON.stringify(steps.get(id))) });
      }
    }
    expect(mismatches).toEqual([]);
    // The searches found something most of the time: the comparison is not between two empty lists.
    expect(nonEmpty).toBeGreaterThan(60);
  });
});
