/**
 * Step search through the reply store's words (store/reply-store.ts), for a
 * search with no other filter: a rare word's executions are found in the
 * settled days' word index, and the steps that hold it are read out of their
 * stored replies and checked, with no engine statement for those days (issue 10 item 2: every engine
 * statement pays a per-part index floor, 15-30 ms at 10M steps, before it
 * reads a row).
 *
 * The window is cut in two at a day boundary: the newest days the index
 * cannot answer (days not built yet, today while it is written to, days
 * ingest wrote to since their build) go to the engine as before, the older ones to the index. The index
 * answers only when every one of those older days is served and one term of
 * the search is rare in each of them (no word it looks up is marked common),
 * and every execution it finds has its reply there; otherwise the whole
 * search goes to the engine. A hit is checked against every term with the
 * same patterns the engine uses (store/step-search.ts through
 * api/search-snippet.ts), so the index only has to hold a superset: a word
 * prefix is looked up over all of a day's words, payload ones included.
 *
 * A day of the window with no rows at all (before the app's first, past
 * retention, or a gap) has nothing to build: the builder's listing of the
 * days with rows (`listing`) tells the index which days those are, and a day
 * it did not list, and no write has touched since the listing started, is
 * answered as empty.
 *
 * A day the index cannot answer (today while it is written, above all) is
 * answered as holding no match when its sieve (api/search-sieves.ts) rules
 * the search out: every word of the day's rows is in it, so the engine would
 * find nothing there.
 *
 * What it may predate: ingest reports every (app, day) it writes
 * (`touched`, from the insert batcher's onFlush); a day touched after its
 * build started is not answered here until it is built again (the reply
 * builder's check stops serving a day whose rows changed, and builds it again
 * once it settles). A deletion stops serving the days it changed before it is
 * answered (the builder's check, run by the deletion).
 */
import type { Cursor } from '../store/index.js';
import type { ReplyStore, WordEntry } from '../store/reply-store.js';
import type { SearchSieves } from './search-sieves.js';
import type { SearchTerm } from '../store/step-search.js';
import { compareCodePoints } from '../store/string-order.js';
import { PREFIX_MIN_CHARS } from '../store/step-search.js';
import type { step } from './schemas.js';
import { stepMatcher, type SearchFields } from './search-snippet.js';
import { renumberedStep, searchedStepOf, type SearchedStep } from './step-text.js';
import type { z } from 'zod';

const DAY_MILLIS = 86_400_000;
/** A search whose looked-up words hold more executions than this over the window goes to the engine. */
export const MAX_INDEX_EXECUTIONS = 1_000;
/** A word prefix matching more words than this in a day goes to the engine. */
const MAX_PREFIX_WORDS = 256;
/** Executions kept in the look-ups remembered (`remembered`), about 100 B each. */
const MAX_REMEMBERED_EXECUTIONS = 65_536;

/**
 * A step search hit as the route answers it (before its snippet), with its
 * searched fields: an engine hit's step, or an index hit's JSON (the step as
 * the step schema encodes it: its stored reply's UTF-8 bytes of it) and the
 * step's sort key, all the route reads of its step.
 */
export type SearchHit =
  | { step: z.infer<typeof step>; fields: SearchFields; json?: undefined }
  | { step: Pick<z.infer<typeof step>, 'startTimeUnixNano' | 'spanId'>; fields: SearchFields; json: Buffer };

/** Where a search's window is answered: the engine from `engineFromMillis` on, the index before it. */
export interface IndexPlan {
  engineFromMillis: number;
  /**
   * Executions the index found, with their day and the positions of their
   * steps that hold the term looked up (ascending); `renumbered`: their
   * steps' sequences read 0 in a search.
   */
  candidates: { day: string; executionId: string; renumbered: boolean; positions: number[] }[];
}

export interface StepSearchIndex {
  /** Ingest wrote (or tried to write) rows of these apps' days. */
  touched(pairs: Iterable<readonly [string, string]>): void;
  /** The reply builder starts building `day`. */
  building(day: string): void;
  /** The reply builder starts listing the days with rows: the function returned takes the days it found. */
  listing(): (days: Iterable<string>) => void;
  /** How a search of `terms` over the window would be answered, or undefined: the engine answers all of it. */
  plan(appId: string, terms: readonly SearchTerm[], range: { fromMillis: number; toMillis: number }): IndexPlan | undefined;
  /**
   * The plan's hits newest first (start time, then span id, descending),
   * before `after` and from the window's start to the engine's part, at most
   * `limit`; undefined when a candidate's reply is gone (ingest changed it).
   */
  hits(appId: string, plan: IndexPlan, terms: readonly SearchTerm[], fromMillis: number, limit: number, after?: Cursor): SearchHit[] | undefined;
  /** Counts a search (with words) by what answered its older days: the index, or the engine (all of it). */
  answered(by: 'index' | 'engine'): void;
  /** Searches with words so far, by what answered their older days. */
  readonly stats: { index: number; engine: number };
}

/** `YYYY-MM-DD` of a day's start (UTC), remembered: every search names each day of its window (a Date and its ISO text each time cost ~0.5 us a day). */
const dayNames = new Map<number, string>();
function dayOf(startMillis: number): string {
  let name = dayNames.get(startMillis);
  if (name === undefined) {
    if (dayNames.size >= 4096) dayNames.clear();
    dayNames.set(startMillis, (name = new Date(startMillis).toISOString().slice(0, 10)));
  }
  return name;
}

/** Two times in unix nanoseconds, as decimal digits without leading zeros: by length, then digit by digit. */
function compareNanos(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Newest first: start time, then span id, descending (the engine's ORDER BY). */
function newestFirst(a: { startTimeUnixNano: string; spanId: string }, b: { startTimeUnixNano: string; spanId: string }): number {
  return -compareNanos(a.startTimeUnixNano, b.startTimeUnixNano) || -compareCodePoints(a.spanId, b.spanId);
}

/** The words a term looks up: a long word as a prefix, others whole; a phrase through any one of its words. */
function lookupsOf(term: SearchTerm): { word: string; prefix: boolean }[] {
  if (term.kind === 'phrase') return term.words.map((word) => ({ word, prefix: false }));
  return [{ word: term.word, prefix: [...term.word].length >= PREFIX_MIN_CHARS }];
}

/**
 * @example
 * const index = createStepSearchIndex(replyStore);
 * const plan = index.plan('default', parsed.terms, { fromMillis, toMillis });
 */
export function createStepSearchIndex(
  store: Pick<ReplyStore, 'wordsOf' | 'executionAt' | 'generation' | 'stepBytes' | 'serves'>,
  sieves?: Pick<SearchSieves, 'rulesOut' | 'spared'>,
): StepSearchIndex {
  let sequence = 0;
  /** The last write to each `app \0 day`, and when each day's build started, in `sequence`. */
  const writes = new Map<string, number>();
  const builds = new Map<string, number>();
  const stats = { index: 0, engine: 0 };
  /** The last listing of the days with rows, and when it started, in `sequence`. */
  let listed: { days: ReadonlySet<string>; sequence: number } | undefined;
  const written = (appId: string, day: string) => writes.get(`${appId}\u0000${day}`) ?? -1;
  /** A day with no rows: not in the last listing, not written to since it started. */
  const empty = (appId: string, day: string) => listed !== undefined && !listed.days.has(day) && written(appId, day) <= listed.sequence;
  /** Whether the index answers the app's day: empty, or served and not written to since its build started. */
  const answers = (appId: string, day: string) => empty(appId, day) || (store.serves(day) && written(appId, day) <= (builds.get(day) ?? 0));

  /**
   * The last look-up of each (app, word or prefix) over its days, with each
   * day's generation then: a search again over the same days finds the same
   * executions while no day's words changed, without a look-up per day (31
   * days: ~17 us of the plan's ~30 in-process at 10M steps). Oldest out first
   * past MAX_REMEMBERED_EXECUTIONS.
   */
  const remembered = new Map<string, { days: readonly string[]; generations: number[]; found: IndexPlan['candidates'] | undefined }>();
  let rememberedExecutions = 0;
  /**
   * What was read of each kept reply's steps, by position (step-text.ts): a
   * search again reads none of their bytes again (~25 us of a rare word's 16
   * hits in-process). Keyed on the store's object for the reply's bytes, so it
   * goes with them.
   */
  const readSteps = new WeakMap<object, Map<number, SearchedStep>>();
  const sameDays = (kept: { days: readonly string[]; generations: number[] }, days: readonly string[]) =>
    kept.days.length === days.length && days.every((day, i) => kept.days[i] === day && kept.generations[i] === store.generation(day));

  /** The executions `lookup` finds in `days`, or undefined when it is common in one of them (or the day is not served). */
  function executionsOf(appId: string, days: readonly string[], lookup: { word: string; prefix: boolean }) {
    const key = `${appId}\u0000${lookup.prefix ? 'p' : 'w'}\u0000${lookup.word}`;
    const kept = remembered.get(key);
    if (kept && sameDays(kept, days)) return kept.found;
    // Read before the look-ups: a change while they run leaves a generation that no longer matches.
    const generations = days.map((day) => store.generation(day));
    const found = lookUp(appId, days, lookup);
    if (kept) {
      remembered.delete(key);
      rememberedExecutions -= kept.found?.length ?? 0;
    }
    remembered.set(key, { days, generations, found });
    rememberedExecutions += found?.length ?? 0;
    for (const [oldest, { found: dropped }] of remembered) {
      if (rememberedExecutions <= MAX_REMEMBERED_EXECUTIONS) break;
      remembered.delete(oldest);
      rememberedExecutions -= dropped?.length ?? 0;
    }
    return found;
  }

  /** executionsOf, read from the store. */
  function lookUp(appId: string, days: readonly string[], lookup: { word: string; prefix: boolean }) {
    const found: IndexPlan['candidates'] = [];
    for (const day of days) {
      const entries: WordEntry[] | undefined = store.wordsOf(day, appId, lookup.word, lookup.prefix, MAX_PREFIX_WORDS);
      if (!entries) return undefined;
      // Each execution's step positions, by ordinal, over the words found (a prefix's words may share steps).
      const seen = new Map<number, Set<number>>();
      for (const { postings } of entries) {
        if ('common' in postings) return undefined;
        const { steps } = postings;
        for (let i = 0; i < steps.length; i += 2) {
          const positions = seen.get(steps[i]!);
          if (positions) positions.add(steps[i + 1]!);
          else seen.set(steps[i]!, new Set([steps[i + 1]!]));
        }
      }
      if (found.length + seen.size > MAX_INDEX_EXECUTIONS) return undefined;
      for (const [ordinal, positions] of seen) {
        const execution = store.executionAt(day, ordinal);
        if (!execution) return undefined;
        found.push({ day, executionId: execution.executionId, renumbered: execution.renumbered, positions: [...positions].sort((a, b) => a - b) });
      }
    }
    return found;
  }

  return {
    stats,
    answered(by) {
      stats[by] += 1;
    },
    touched(pairs) {
      for (const [appId, day] of pairs) writes.set(`${appId}\u0000${day}`, ++sequence);
    },
    building(day) {
      builds.set(day, sequence);
    },
    listing() {
      const started = sequence;
      return (days) => {
        listed = { days: new Set(days), sequence: started };
      };
    },
    plan(appId, terms, range) {
      if (range.toMillis <= range.fromMillis) return undefined;
      // Days of the window, newest first; the newest the index cannot answer go to the engine.
      const days: string[] = [];
      for (let start = Math.floor((range.toMillis - 1) / DAY_MILLIS) * DAY_MILLIS; start + DAY_MILLIS > range.fromMillis; start -= DAY_MILLIS) {
        days.push(dayOf(start));
      }
      // Who answers each day: the index; nobody, when its sieve rules the search out (none of its steps can
      // match); or the engine.
      const by = days.map((day) => (answers(appId, day) ? 'index' : sieves?.rulesOut(appId, day, terms) ? 'sieve' : 'engine'));
      let engineDays = 0;
      while (by[engineDays] === 'engine') engineDays += 1;
      if (engineDays === days.length || by.includes('engine', engineDays)) return undefined;
      const engineFromMillis = engineDays === 0 ? range.toMillis : Math.max(range.fromMillis, Date.parse(`${days[engineDays - 1]}T00:00:00Z`));
      // Empty days and ruled-out days hold no match.
      const withRows = days.filter((day, i) => i >= engineDays && by[i] === 'index' && !empty(appId, day));
      const ruledOut = by.filter((answerer) => answerer === 'sieve').length;
      let best: IndexPlan['candidates'] | undefined;
      for (const term of terms) {
        for (const lookup of lookupsOf(term)) {
          const found = executionsOf(appId, withRows, lookup);
          if (found && (!best || found.length < best.length)) best = found;
        }
      }
      if (best && ruledOut > 0) sieves?.spared(ruledOut);
      return best && { engineFromMillis, candidates: best };
    },
    hits(appId, plan, terms, fromMillis, limit, after) {
      // Times compared as digits (compareNanos): the window's bounds (before 1970: from 0) and the cursor's time written alike.
      const fromNanos = String(BigInt(Math.max(0, fromMillis)) * 1_000_000n);
      const toNanos = String(BigInt(Math.max(0, plan.engineFromMillis)) * 1_000_000n);
      const cursor = after && { startTimeUnixNano: BigInt(after.startNanos).toString(), spanId: after.id };
      const matches = stepMatcher(terms);
      const hits: Extract<SearchHit, { json: Buffer }>[] = [];
      for (const { day, executionId, renumbered, positions } of plan.candidates) {
        // Only the steps that hold the word, each read from its own bytes of the stored reply.
        const stored = store.stepBytes(appId, executionId, positions);
        if (!stored || stored.day !== day) return undefined;
        let read = readSteps.get(stored.reply);
        if (!read) readSteps.set(stored.reply, (read = new Map()));
        for (const [i, position] of positions.entries()) {
          let json = stored.steps[i]!;
          // Its key, sequence and searched fields, read where they stand in its bytes (step-text.ts).
          let searched = read.get(position);
          if (!searched) read.set(position, (searched = searchedStepOf(json)));
          const { spanId, startTimeUnixNano, fields } = searched;
          if (compareNanos(startTimeUnixNano, fromNanos) < 0 || compareNanos(startTimeUnixNano, toNanos) >= 0) continue;
          const key = { startTimeUnixNano, spanId };
          if (cursor && newestFirst(key, cursor) <= 0) continue;
          if (!matches(fields)) continue;
          if (renumbered) json = renumberedStep(json, searched);
          hits.push({ step: key, fields, json });
        }
      }
      return hits.sort((a, b) => newestFirst(a.step, b.step)).slice(0, limit);
    },
  };
}
