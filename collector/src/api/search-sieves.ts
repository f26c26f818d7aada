/**
 * Step search's sieves of the recent days' words (store/word-sieve.ts): one
 * per app and day around today, so a search whose window holds a day the
 * word index cannot answer yet (today, while ingest writes it) need not ask
 * the engine for that day when its words rule the search out. An engine
 * statement on today's partition costs 6-7 ms at issue 10's 10M steps
 * (bench/README.md), PostgreSQL's whole rare-word search about 1.
 *
 * Only apps that search pay for them: a day's sieve is made when a search
 * first asks the engine for that recent day, and only an app with a sieve
 * (or one being made) has its steps' words gathered at ingest (about 2 us of
 * decode-worker CPU a step; `gathers`). The first searches of a day go to
 * the engine, as without a sieve.
 *
 * A sieve must hold every word of its day's stored rows, or a search would
 * miss them. So:
 * - ingest hands every batch to `wrote` before any of its rows can be stored
 *   (the insert batcher's onWrite); a decode worker gathers an encoded
 *   batch's word hashes (EncodedRows.words) when `gathers` said so, and a
 *   batch whose encoded rows come without them takes its days' sieves away
 *   (a search may make one again after retryMillis);
 * - a sieve is made only once every request announced to ingest before its
 *   app began gathering has been handed over (they may lack its words), and
 *   seeded only once every batch handed over before the sieve existed is
 *   stored (the batcher's `settled`), so its seed, the words of the day's
 *   stored rows read from the engine in time slices, sees them;
 * - it answers only once seeded.
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
/** A sieve no search consulted for this long gives its slot to a search that needs one when none is free. */
export const DEFAULT_SIEVE_IDLE_MILLIS = 10 * 60_000;
/** How long a day whose sieve was taken away waits before a search may make another. */
export const DEFAULT_SIEVE_RETRY_MILLIS = 60_000;
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
  /**
   * Resolves once every write announced to ingest before the call has been
   * handed over, and every batch handed over by then is stored or refused
   * (the insert batcher's `settled`).
   */
  writesSettled: () => Promise<void>;
  /** DEFAULT_SIEVE_RETRY_MILLIS when omitted. */
  retryMillis?: number;
  /** DEFAULT_SIEVE_IDLE_MILLIS when omitted. */
  idleMillis?: number;
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
  /** Whether ingest must gather the words of the app's steps: it has a sieve, or one is being made. */
  gathers(appId: string): boolean;
  /** Ingest accepted this batch; none of its rows is stored yet. Never throws. */
  wrote(batch: RowBatch): void;
  /**
   * Whether no step of the app's day can match every term: false when the day
   * has no seeded sieve, and then a recent day without one gets one made (the
   * search asks the engine; later ones may be ruled out).
   */
  rulesOut(appId: string, day: string, terms: readonly SearchTerm[]): boolean;
  /** A search was answered with `days` days ruled out (for the metric). */
  spared(days: number): void;
  /** Resolves once every sieve begun so far is made and seeded (or given up). */
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
  /** When a search last consulted it (or it was made). */
  usedAt: number;
}

/**
 * @example
 * const sieves = createSearchSieves({ backend, writesSettled: () => batcher.settled() });
 * batcher.onWrite((batch) => sieves.wrote(batch));
 * sieves.rulesOut('default', '2026-12-06', parseSearch('zanzibar').terms); // false: asks the engine, makes the day's sieve
 * await sieves.settled();
 * sieves.rulesOut('default', '2026-12-06', parseSearch('zanzibar').terms); // true, if no step of the day holds it
 */
export function createSearchSieves(options: SearchSievesOptions): SearchSieves {
  const maxSieves = options.maxSieves ?? DEFAULT_MAX_SIEVES;
  const bitsLog2 = options.bitsLog2 ?? DEFAULT_SIEVE_BITS_LOG2;
  const now = options.nowMillis ?? Date.now;
  const retryMillis = options.retryMillis ?? DEFAULT_SIEVE_RETRY_MILLIS;
  const idleMillis = options.idleMillis ?? DEFAULT_SIEVE_IDLE_MILLIS;
  const entries = new Map<string, Entry>();
  /** Days (`app \0 day`) whose sieve is being made: their app gathers words already. */
  const making = new Set<string>();
  /** Days whose sieve was taken away, and when a search may make another. */
  const retryAt = new Map<string, number>();
  let seeds: Promise<void> = Promise.resolve();
  let ruledOut = 0;
  let stopped = false;

  const keyOf = (appId: string, day: string) => `${appId}\u0000${day}`;
  const appOfKey = (key: string) => key.slice(0, key.indexOf('\u0000'));
  const dayOfKey = (key: string) => key.slice(key.indexOf('\u0000') + 1);
  const startOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
  const today = () => Math.floor(now() / DAY_MILLIS) * DAY_MILLIS;
  /** Yesterday, today or tomorrow (UTC): the days ingest writes to. */
  const isRecent = (day: string) => Math.abs(startOf(day) - today()) <= DAY_MILLIS;

  /** Drops the sieves of days before yesterday: ingest no longer writes there, and the word index answers them. */
  function forgetOldDays(): void {
    for (const key of [...entries.keys(), ...retryAt.keys()]) {
      if (startOf(dayOfKey(key)) < today() - DAY_MILLIS) {
        entries.delete(key);
        retryAt.delete(key);
      }
    }
  }

  /** Begins the day's sieve, when the day may have one now. */
  function make(appId: string, day: string): void {
    const key = keyOf(appId, day);
    if (stopped || entries.has(key) || making.has(key) || !isRecent(day) || (retryAt.get(key) ?? 0) > now()) return;
    forgetOldDays();
    if (entries.size + making.size >= maxSieves && !evictIdle()) return;
    // From here on the app's requests gather their words; those decoded before may not have.
    making.add(key);
    const open = async (): Promise<void> => {
      try {
        await options.writesSettled();
      } finally {
        making.delete(key);
      }
      if (stopped) return;
      const entry: Entry = { sieve: new WordSieve(bitsLog2), ready: false, usedAt: now() };
      entries.set(key, entry);
      await options.writesSettled();
      await seed(appId, day, entry);
    };
    seeds = seeds.then(open).catch((error: unknown) => {
      giveUp(key);
      options.onSeedError?.(error, appId, day);
    });
  }

  /**
   * Over the budget: drops the sieve no search has consulted for longest, if
   * none has for idleMillis, so the sieves follow the apps searching now (a
   * busy app that stopped searching does not keep its slots, nor pay for
   * gathering its words); returns whether one went.
   */
  function evictIdle(): boolean {
    let idlest: [string, Entry] | undefined;
    for (const kept of entries) if (!idlest || kept[1].usedAt < idlest[1].usedAt) idlest = kept;
    if (!idlest || idlest[1].usedAt > now() - idleMillis) return false;
    entries.delete(idlest[0]);
    return true;
  }

  /** The day's rows may hold words its sieve lacks: it goes, and a search may make another after retryMillis. */
  function giveUp(key: string): void {
    entries.delete(key);
    retryAt.set(key, now() + retryMillis);
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
      giveUp(keyOf(appId, day));
      options.onSeedError?.(error, appId, day);
    }
  }

  /** Whether the app has a sieve kept or being made. */
  function hasSieve(appId: string): boolean {
    for (const key of entries.keys()) if (appOfKey(key) === appId) return true;
    for (const key of making) if (appOfKey(key) === appId) return true;
    return false;
  }

  function learn(batch: RowBatch): void {
    if (entries.size === 0) return;
    // Steps kept as objects (decoded inline) are gathered here, only for apps with a sieve, as a decode
    // worker gathers the ones it encodes.
    const apps = new Set([...entries.keys()].map(appOfKey));
    const sieved = batch.steps.filter((row) => apps.has(row.app_id));
    for (const { appId, day, hashes } of gatherStepWords(sieved)) entries.get(keyOf(appId, day))?.sieve.addAll(hashes);
    const encoded = batch.encodedSteps;
    if (!encoded) return;
    const learned = new Set<string>();
    for (const { appId, day, hashes } of encoded.words ?? []) {
      entries.get(keyOf(appId, day))?.sieve.addAll(hashes);
      learned.add(keyOf(appId, day));
    }
    // Encoded rows name their apps (through their executions) and days, not which app wrote which day.
    for (const appId of new Set(encoded.executions.map(([app]) => app))) {
      for (const day of encoded.days) {
        const key = keyOf(appId, day);
        if (entries.has(key) && !learned.has(key)) giveUp(key);
      }
    }
  }

  return {
    gathers: hasSieve,
    wrote(batch) {
      try {
        learn(batch);
      } catch {
        // Whatever this batch's words were, no sieve may answer without them.
        for (const key of [...entries.keys()]) giveUp(key);
      }
    },
    rulesOut(appId, day, terms) {
      const entry = entries.get(keyOf(appId, day));
      if (entry) entry.usedAt = now();
      else make(appId, day);
      return entry?.ready === true && rulesOut(entry.sieve, terms);
    },
    spared(days) {
      ruledOut += days;
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
