/**
 * Step search's sieves of the recent days' words (store/word-sieve.ts): one
 * per app and day around today, so a search whose window holds a day the
 * word index cannot answer yet (today, while ingest writes it) need not ask
 * the engine for that day when its words rule the search out. An engine
 * statement on today's partition costs 6-7 ms at issue 10's 10M steps
 * (bench/README.md), PostgreSQL's whole rare-word search about 1.
 *
 * A sieve must hold every word of its day's stored rows, or a search would
 * miss them. So:
 * - ingest hands every batch to `wrote` before any of its rows can be stored
 *   (the insert batcher's onWrite); a decode worker gathers an encoded
 *   batch's word hashes (EncodedRows.words), and a batch whose encoded rows
 *   come without them takes its days' sieves away;
 * - a sieve is made at its day's first write in this process, or at start-up
 *   before any, never later: rows written earlier without one may still be on
 *   their way to the engine, where its seed would not see them. A day written
 *   without a sieve (over the budget, or its sieve taken away) gets none until
 *   the collector restarts;
 * - it answers only once seeded: the words of the day's rows already stored,
 *   read from the engine (a few statements, in time slices), added to what
 *   ingest added meanwhile.
 * A deletion only removes words, so a sieve stays a superset. A day the sieve
 * does not rule out goes to the engine as before.
 */
import type { RowBatch } from '../contracts/rows.js';
import type { ClickHouseBackend } from '../store/index.js';
import type { SearchTerm } from '../store/step-search.js';
import { WordSieve, addTextWords, gatherStepWords, rulesOut } from '../store/word-sieve.js';

const DAY_MILLIS = 86_400_000;

/** Bits of one sieve: 2^24, 2 MiB (about one "maybe" in 2,000 for an absent word at 660,000 distinct words a day). */
export const DEFAULT_SIEVE_BITS_LOG2 = 24;
/** Sieves kept at most (apps x days around today): 16 MiB at the default size. */
export const DEFAULT_MAX_SIEVES = 8;
/** A seed reads a day's words in time slices of about this many steps each, so no statement gathers a whole busy day. */
const SEED_ROWS_PER_SLICE = 500_000;
/** A word as step search cuts it from lower-cased text (store/step-search.ts `searchWords`), in RE2. */
const WORD_PATTERN = '[0-9a-z\\x{80}-\\x{10FFFF}]+';
/** The searched fields, as the seed reads them: the explanation words with their prefixes, the payload's whole. */
const SEEDED_FIELDS = [
  { text: "concat(reasoning, ' ', error_message)", prefixes: true },
  { text: "concat(input, ' ', output)", prefixes: false },
] as const;

export interface SearchSievesOptions {
  backend: Pick<ClickHouseBackend, 'query'>;
  /** Sieves kept at most; DEFAULT_MAX_SIEVES when omitted. */
  maxSieves?: number;
  /** Bits of each sieve, as a power of two; DEFAULT_SIEVE_BITS_LOG2 when omitted. */
  bitsLog2?: number;
  nowMillis?: () => number;
  /** A seed failed: that day's sieve is given up. */
  onSeedError?: (error: unknown, appId: string, day: string) => void;
}

export interface SearchSieveStats {
  /** Sieves kept, seeded or not. */
  sieves: number;
  /** Of them, seeded (answering). */
  ready: number;
  bytes: number;
  /** Days of searches ruled out so far, in searches the index answered (each spared an engine read). */
  ruledOut: number;
}

export interface SearchSieves {
  /** Ingest accepted this batch; none of its rows is stored yet. Never throws. */
  wrote(batch: RowBatch): void;
  /** Whether no step of the app's day can match every term (false when the day has no seeded sieve). */
  rulesOut(appId: string, day: string, terms: readonly SearchTerm[]): boolean;
  /** A search was answered with `days` days ruled out (for the metric). */
  spared(days: number): void;
  /** Makes and seeds a sieve for every app with steps today that has none yet (start-up); resolves once seeded. */
  seedToday(): Promise<void>;
  /** Resolves once every seed started so far has ended. */
  settled(): Promise<void>;
  /**
   * Starts no more seed statements (shutdown). A running one is left to the
   * backend's close, which waits for its statements within a grace period: a
   * hung store must not hold the shutdown here.
   */
  stop(): void;
  readonly stats: SearchSieveStats;
}

interface Entry {
  sieve: WordSieve;
  ready: boolean;
}

/**
 * @example
 * const sieves = createSearchSieves({ backend });
 * batcher.onWrite((batch) => sieves.wrote(batch));
 * sieves.rulesOut('default', '2026-12-06', parseSearch('zanzibar').terms); // true once seeded, if no step holds it
 */
export function createSearchSieves(options: SearchSievesOptions): SearchSieves {
  const maxSieves = options.maxSieves ?? DEFAULT_MAX_SIEVES;
  const bitsLog2 = options.bitsLog2 ?? DEFAULT_SIEVE_BITS_LOG2;
  const now = options.nowMillis ?? Date.now;
  const entries = new Map<string, Entry>();
  /** Days (`app \0 day`) written without a sieve: none is made for them later in this process. */
  const unsieved = new Set<string>();
  let seeds: Promise<void> = Promise.resolve();
  let ruledOut = 0;
  let stopped = false;

  const keyOf = (appId: string, day: string) => `${appId}\u0000${day}`;
  const dayOfKey = (key: string) => key.slice(key.indexOf('\u0000') + 1);
  const startOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
  const today = () => Math.floor(now() / DAY_MILLIS) * DAY_MILLIS;
  /** Yesterday, today or tomorrow (UTC): the days ingest writes to. */
  const isRecent = (day: string) => Math.abs(startOf(day) - today()) <= DAY_MILLIS;

  /** Drops what is kept of days before yesterday: a sieve there would never be made again anyway. */
  function forgetOldDays(): void {
    for (const keys of [entries.keys(), unsieved.values()]) {
      for (const key of [...keys]) {
        if (startOf(dayOfKey(key)) < today() - DAY_MILLIS) {
          entries.delete(key);
          unsieved.delete(key);
        }
      }
    }
  }

  /** The day's sieve: the one kept, or a new one if the day may have one now, else undefined. */
  function sieveFor(appId: string, day: string): Entry | undefined {
    const key = keyOf(appId, day);
    const kept = entries.get(key);
    if (kept || unsieved.has(key)) return kept;
    forgetOldDays();
    if (!isRecent(day) || entries.size >= maxSieves) {
      unsieved.add(key);
      return undefined;
    }
    const entry: Entry = { sieve: new WordSieve(bitsLog2), ready: false };
    entries.set(key, entry);
    seeds = seeds.then(() => seed(appId, day, entry));
    return entry;
  }

  /** The day's rows may hold words its sieve lacks: it goes, and the day gets none again. */
  function giveUp(appId: string, day: string): void {
    const key = keyOf(appId, day);
    entries.delete(key);
    unsieved.add(key);
  }

  async function seed(appId: string, day: string, entry: Entry): Promise<void> {
    const current = () => !stopped && entries.get(keyOf(appId, day)) === entry;
    if (!current()) return;
    try {
      const from = startOf(day);
      const [counted] = await options.backend.query<{ rows: string | number }>(
        'SELECT count() AS rows FROM steps WHERE app_id = {appId:String} AND toDate(start_time) = {day:Date}',
        { appId, day },
      );
      const slices = Math.max(1, Math.ceil(Number(counted?.rows ?? 0) / SEED_ROWS_PER_SLICE));
      for (let slice = 0; slice < slices; slice++) {
        const window = { fromMillis: from + Math.floor((slice * DAY_MILLIS) / slices), toMillis: from + Math.floor(((slice + 1) * DAY_MILLIS) / slices) };
        for (const field of SEEDED_FIELDS) {
          const [gathered] = await options.backend.query<{ words: string }>(
            `SELECT arrayStringConcat(groupUniqArray(word), ' ') AS words
FROM steps ARRAY JOIN extractAll(lower(${field.text}), {pattern:String}) AS word
WHERE app_id = {appId:String}
  AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') AND start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')`,
            { appId, pattern: WORD_PATTERN, ...window },
          );
          if (!current()) return;
          addTextWords(gathered?.words ?? '', field.prefixes, entry.sieve);
        }
      }
      entry.ready = true;
    } catch (error) {
      if (!current()) return;
      giveUp(appId, day);
      options.onSeedError?.(error, appId, day);
    }
  }

  function learn(batch: RowBatch): void {
    // Steps kept as objects (decoded inline) are gathered here as a decode worker gathers the ones it encodes.
    for (const { appId, day, hashes } of gatherStepWords(batch.steps)) sieveFor(appId, day)?.sieve.addAll(hashes);
    const encoded = batch.encodedSteps;
    if (!encoded) return;
    const learned = new Set<string>();
    for (const { appId, day, hashes } of encoded.words ?? []) {
      sieveFor(appId, day)?.sieve.addAll(hashes);
      learned.add(keyOf(appId, day));
    }
    // Encoded rows name their apps (through their executions) and days, not which app wrote which day.
    for (const appId of new Set(encoded.executions.map(([app]) => app))) {
      for (const day of encoded.days) if (!learned.has(keyOf(appId, day))) giveUp(appId, day);
    }
  }

  return {
    wrote(batch) {
      try {
        learn(batch);
      } catch {
        // Whatever this batch's words were, no sieve may answer without them.
        for (const key of [...entries.keys()]) unsieved.add(key);
        entries.clear();
      }
    },
    rulesOut(appId, day, terms) {
      const entry = entries.get(keyOf(appId, day));
      return entry?.ready === true && rulesOut(entry.sieve, terms);
    },
    spared(days) {
      ruledOut += days;
    },
    async seedToday() {
      const day = new Date(today()).toISOString().slice(0, 10);
      const apps = await options.backend.query<{ app_id: string }>('SELECT DISTINCT app_id FROM steps WHERE toDate(start_time) = {day:Date}', { day });
      for (const { app_id: appId } of apps) sieveFor(appId, day);
      await seeds;
    },
    settled: () => seeds,
    stop() {
      stopped = true;
    },
    get stats() {
      let ready = 0;
      let bytes = 0;
      for (const entry of entries.values()) {
        if (entry.ready) ready += 1;
        bytes += entry.sieve.bytes;
      }
      return { sieves: entries.size, ready, bytes, ruledOut };
    },
  };
}
