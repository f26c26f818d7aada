/**
 * Where a rare-word search's time goes (issue 10 item 2, issue 11 item 2):
 * the statements the repository runs for `GET /api/v1/steps?q=<word>`, cut
 * into stages and timed through the collector's admin SQL route (parameters
 * inlined), next to the route itself. Every line includes the admin route's
 * own cost (HTTP, sandbox), which the first line measures alone; the
 * differences between lines are the stages.
 *
 * 1. `SELECT 1`: the floor (HTTP + admin route + one engine statement).
 * 2. the explanation index alone: a count through its dictionary scan (`LIKE '%word%'`);
 * 3. the payload index alone: a count through its dictionary lookup;
 * 4. the whole search condition, a count (both indexes, per-field checks on the granules left);
 * 5. the page's keys only (`span_id`, `start_time`, newest first), no payload column;
 * 6. the page with every column (what the repository reads), over the whole window in one statement;
 * 7. the repository's statements as it runs them: the last day, then the rest (newestFirstWindows);
 * 8. the API route: 7 plus JSON, snippets, HTTP.
 */
import { stepSearchQuery } from '../../collector/dist/store/executions.js';
import { EXPLANATION_WORDS, PAYLOAD_WORDS, parseSearch, stepSearchCondition } from '../../collector/dist/store/step-search.js';
import { median, timed } from './stats.js';
import { shippedTextIndexes } from './search-index-cost.js';

const DAY_MILLIS = 86_400_000;

/** Bound parameters inlined as ClickHouse literals (the admin SQL route takes none). */
export function inlineParams(sql, params) {
  const literal = (value) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return sql.replace(/\{(\w+):([^}]+)\}/g, (_, name, type) => {
    const value = params[name];
    if (Array.isArray(value)) return `[${value.map((v) => literal(v)).join(', ')}]`;
    return /Int|Float/.test(type) ? String(Number(value)) : literal(value);
  });
}

/**
 * @param {{ sql: (text: string) => Promise<unknown[]>, api: (path: string) => Promise<unknown>, appId: string,
 *   window: { from: string, to: string }, word: string, runs: number }} options
 * @returns {Promise<{ rows: string[][], stages: Record<string, number> }>}
 */
export async function measureSearchStages(options) {
  const { appId, word, runs } = options;
  const range = { fromMillis: Number(options.window.from), toMillis: Number(options.window.to) };
  const parsed = parseSearch(word);
  if (!parsed.ok) throw new Error(parsed.message);
  const scope = `app_id = '${appId}' AND start_time >= fromUnixTimestamp64Milli(${range.fromMillis}, 'UTC') AND start_time < fromUnixTimestamp64Milli(${range.toMillis}, 'UTC')`;
  const condition = stepSearchCondition(parsed.terms, 'search');
  const where = `${scope} AND ${inlineParams(condition.sql, condition.params)}`;
  const statement = (window) => {
    const built = stepSearchQuery(appId, { ...window, reasoning: word }, 51, undefined, 'caller');
    return inlineParams(built.sql, built.params);
  };
  const lastDay = { fromMillis: range.toMillis - DAY_MILLIS, toMillis: range.toMillis };
  const rest = { fromMillis: range.fromMillis, toMillis: range.toMillis - DAY_MILLIS };
  const qs = new URLSearchParams({ q: word, ...options.window, limit: '50' }).toString();
  const stages = [
    ['floor: SELECT 1 through admin SQL', () => options.sql('SELECT 1')],
    [`explanation index alone: count, ${EXPLANATION_WORDS} LIKE '%${word}%'`, () => options.sql(`SELECT count() FROM steps WHERE ${scope} AND ${EXPLANATION_WORDS} LIKE '%${word}%'`)],
    [`payload index alone: count, hasAnyTokens(${PAYLOAD_WORDS})`, () => options.sql(`SELECT count() FROM steps WHERE ${scope} AND hasAnyTokens(${PAYLOAD_WORDS}, ['${word}'])`)],
    ['the search condition: count (both indexes + field checks)', () => options.sql(`SELECT count() FROM steps WHERE ${where}`)],
    ["the page's keys only (span_id, start_time), newest first", () => options.sql(`SELECT span_id, start_time FROM steps WHERE ${where} ORDER BY start_time DESC, span_id DESC LIMIT 51`)],
    ['the page, every column, whole window in one statement', () => options.sql(statement(range))],
    ["the repository's statements: last day, then the rest", async () => [...(await options.sql(statement(lastDay))), ...(await options.sql(statement(rest)))]],
    [`the API: GET /api/v1/steps?q=${word}`, () => options.api(`/api/v1/steps?${qs}`)],
  ];
  const timings = new Map(stages.map(([label]) => [label, []]));
  // Interleaved, 2 untimed rounds first.
  for (let round = 0; round < runs + 2; round++) {
    for (const [label, run] of stages) {
      const start = process.hrtime.bigint();
      await run();
      if (round >= 2) timings.get(label).push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  const floor = median(timings.get(stages[0][0]));
  const result = {};
  const rows = stages.map(([label]) => {
    const ms = median(timings.get(label));
    result[label] = ms;
    return [label, ms.toFixed(1), label === stages[0][0] ? '' : (ms - floor).toFixed(1)];
  });
  return { rows, stages: result };
}

/**
 * `EXPLAIN indexes = 1` of the repository's search statements (whole window,
 * one statement each), run on the engine directly: the admin SQL route
 * refuses `indexes = 1` as a setting. Called in the generation process
 * (lib/generate-in-child.js), the only one that may open the folder then.
 *
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend
 * @param {{ appId: string, fromMillis: number, toMillis: number, searches: string[] }} options
 * @returns {Promise<string[][]>} rows: search, index step, parts, granules
 */
export async function explainSearches(backend, options) {
  const { parseExplainIndexes } = await import('./explain.js');
  const rows = [];
  for (const search of options.searches) {
    const built = stepSearchQuery(options.appId, { fromMillis: options.fromMillis, toMillis: options.toMillis, reasoning: search }, 51, undefined, 'caller');
    const plan = await backend.query(`EXPLAIN indexes = 1 ${built.sql}`, built.params);
    for (const step of parseExplainIndexes(plan.map((row) => String(row.explain)))) {
      // `<Combined skip indexes>`: the disjunction of both indexes, what the read uses.
      const name = step.name.startsWith('<Combined') ? 'both indexes combined (the OR)' : step.name;
      rows.push([search, `${step.type}${name ? ` ${name}` : ''}`, step.parts, step.granules]);
    }
  }
  return rows;
}

/**
 * What the search indexes' dictionaries hold (read through ClickHouse's
 * `mergeTreeTextIndex` table function): per shipped `text` index of `steps`,
 * the (part, word) entries, the distinct words and the postings (a step
 * holding a word counts once per part). These are the least an exact search
 * index outside the engine would have to keep (issue 10 item 2: a rare word
 * through any engine statement pays the per-part index floor, so only such an
 * index could answer in PostgreSQL's time). Also how long expanding a word
 * prefix over a dictionary takes: the step a prefix search would add to turn
 * its dictionary scan into exact look-ups.
 *
 * @param {import('../../collector/dist/store/backend.js').ClickHouseBackend} backend
 * @param {{ prefix: string, runs: number }} options
 * @returns {Promise<{ runs: number, indexes: { index: string, entries: number, words: number, postings: number, prefixMillis: number }[] }>}
 */
export async function measureSearchDictionaries(backend, options) {
  const indexes = [];
  for (const { name } of await shippedTextIndexes(backend)) {
    const source = `mergeTreeTextIndex(currentDatabase(), steps, ${name})`;
    const [sizes] = await backend.query(`SELECT count() AS entries, uniqExact(token) AS words, sum(cardinality) AS postings FROM ${source}`);
    const timings = [];
    // One untimed run first.
    for (let run = 0; run <= options.runs; run++) {
      const { millis } = await timed(() =>
        backend.query(`SELECT token, sum(cardinality) FROM ${source} WHERE startsWith(token, {prefix:String}) GROUP BY token`, { prefix: options.prefix }),
      );
      if (run > 0) timings.push(millis);
    }
    indexes.push({ index: name, entries: Number(sizes.entries), words: Number(sizes.words), postings: Number(sizes.postings), prefixMillis: median(timings) });
  }
  return { runs: options.runs, indexes };
}
