/**
 * The settled-reply store: finished executions' detail replies on disk, in
 * LMDB beside the embedded engine's data, so the first read of an execution
 * from a settled day costs a memory-mapped B-tree lookup instead of a
 * ClickHouse statement (issue 10, point lookups: one statement's fixed cost
 * in the engine is most of what PostgreSQL spends on a whole timeline).
 *
 * It is a derived copy, never the truth: the reply builder
 * (api/reply-builder.ts) fills it one day at a time from ClickHouse, and a
 * day's entries are served only while the day is *verified*: the builder
 * checks that its partitions are still what they were built from (the names
 * of their active parts, and when those changed, their rows: count and newest
 * insert). What changes one execution forgets it here at once (`forget`:
 * ingest, scores), and a build that ran while one of its executions was
 * forgotten does not store that execution; a deletion, a late row, a TTL drop
 * or a crash between a write and its forget is caught by the check (run
 * after every deletion, every pass and at start), which stops serving the day
 * until it is built again.
 *
 * Only the embedded engine keeps one: there this process is the only writer.
 *
 * With each day it keeps the day's words: for every word of its steps'
 * reasoning, error message, input and output (as step search tokenizes them),
 * the steps that hold it, by their execution's ordinal in the day and their
 * position in its reply, or past MAX_WORD_EXECUTIONS executions
 * (store/day-words.ts) only that it is common. Step search
 * (api/step-search-index.ts) finds a rare word's steps there and reads those
 * steps alone out of their replies (`stepsAt`), instead of asking the engine.
 *
 * Layout: `replies`, key `app \0 execution id` -> the reply's header (day,
 * build, rows, startMillis, stepsAt: where each step starts in the text), then
 * its text's UTF-8 bytes (encodeReply), compressed: a search decodes only the
 * steps it needs out of them; `days`, key `YYYY-MM-DD` -> { parts, content,
 * build, keys, format }; `words`, key `[YYYY-MM-DD, app, last word]` -> a
 * chunk of the app's words of the day in order (WORDS_PER_CHUNK), newline
 * separated and uncompressed (a look-up reads one chunk per day, so its size
 * is what a search pays per day); `postings`, the same key -> their postings,
 * one line per word, uncompressed, read only when a look-up matches; `executions`, key
 * `[YYYY-MM-DD, ordinal]` -> the day's execution of that ordinal. One entry
 * per word cost more than the postings themselves (keys, node headers,
 * half-full pages).
 */
import { open } from 'lmdb';
import type { Database, Key, RootDatabase } from 'lmdb';
import { LRUCache } from 'lru-cache';
import type { DayExecution, DayWords, WordPostings } from './day-words.js';
import { compareCodePointPairs } from './string-order.js';

export type { DayExecution, WordPostings };

/**
 * A stored detail reply: the JSON text as the route sends it, its rows (for
 * the audit entry), its day and start, and the build of its day that stored
 * it: served only while that build is the day's (a build that failed its check
 * may have stored replies of executions deleted since, which a later build of
 * the day does not overwrite).
 */
export interface StoredReply {
  json: string;
  rows: number;
  startMillis: number;
  day: string;
  build: string;
}

/** A stored reply's header: all of it but its text, and where each step's JSON starts in the text's bytes (stepOffsets). */
interface ReplyHeader extends Omit<StoredReply, 'json'> {
  stepsAt: number[];
}

export interface ReplyEntry extends StoredReply {
  appId: string;
  executionId: string;
}

/** What a day was built from: its partitions' active parts, and their rows (count and newest insert). */
export interface DaySignature {
  parts: string;
  content: string;
}

/** A served day: what it was built from, and by which build. */
interface ServedDay extends DaySignature {
  build: string;
}

interface DayRecord extends ServedDay {
  keys: string[];
  /** What the day's record, replies and words hold (DAY_FORMAT); a day of another format (or none: built before words were kept) is built again. */
  format?: number;
}

/** Bumped when what a day's record, replies or words hold changes: a day of another format is dropped at open and built again. */
export const DAY_FORMAT = 7;
/** A word entry of one day and app. */
export interface WordEntry {
  word: string;
  postings: WordPostings;
}

/**
 * A batch of one app's replies being read and stored: every execution of the
 * app forgotten meanwhile is kept out of it. By id, not by a range of ids:
 * ClickHouse orders ids by their UTF-8 bytes and JavaScript by UTF-16 code
 * units, so a range's bounds would not hold every id between them here.
 */
interface Reading {
  appId: string;
  forgotten: Set<string>;
}

export interface ReplyStore {
  /** The verified reply of (app, execution id), or undefined. Synchronous: a memory-mapped lookup. */
  get(appId: string, executionId: string): StoredReply | undefined;
  /**
   * The UTF-8 bytes of the steps at `positions` (their order in the reply) of
   * (app, execution id)'s verified reply, each one step's JSON text exactly,
   * with its day: nothing is decoded, and the bytes stay valid (views of a
   * kept copy, or copies). Undefined without a reply, or when a position is
   * past its steps. `reply` stands for the reply's bytes while memory keeps
   * them: the same object for the same bytes, a new one for new bytes (or each
   * time, without a cache), so a caller may key what it reads of them on it.
   */
  stepBytes(appId: string, executionId: string, positions: readonly number[]): { day: string; steps: Buffer[]; reply: object } | undefined;
  /** Drops the execution's reply (ingest, scores); resolves once the drop is committed. */
  forget(appId: string, executionId: string): Promise<void>;
  /** Days served, with what each was built from. */
  days(): Map<string, DaySignature>;
  /** Whether the day is served. */
  serves(day: string): boolean;
  /** The day's partitions were rewritten with the same rows (a merge): records their new parts. */
  reparts(day: string, parts: string): Promise<void>;
  /**
   * Serves the day's replies no more (its partitions changed); `drop` also
   * deletes them, and the replies of `stored` (keys a build of the day stored
   * that no verified record names: a build that failed its check).
   */
  unverify(day: string, drop: boolean, stored?: readonly string[]): Promise<void>;
  /**
   * Stores a batch of one app's replies of a day. `read` returns them; any
   * execution of the app forgotten while it ran is left out. Resolves with
   * the keys stored, for `verify`. Not served before `verify(day)`.
   */
  storeBatch(appId: string, read: () => Promise<ReplyEntry[]>): Promise<string[]>;
  /** Serves the day's stored replies from now on, recording what they were built from. */
  verify(day: string, signature: DaySignature, keys: readonly string[], build: string): Promise<void>;
  /**
   * Stores a day's words and the executions their postings number, replacing
   * any it held; done before `verify(day)`, served with the day. The entries
   * come in key order (DayWords.entries: apps, then words, by code point);
   * out of order, it throws.
   */
  storeWords(day: string, words: Pick<DayWords, 'entries' | 'executions'>): Promise<void>;
  /**
   * How many times the day's words and executions changed since the store
   * opened (the start and the end of storing them, their removal): while it
   * stays the same, `wordsOf` and `executionAt` answer the same for the day.
   */
  generation(day: string): number;
  /** The served day's execution of `ordinal` (a posting's), or undefined. */
  executionAt(day: string, ordinal: number): DayExecution | undefined;
  /**
   * The served day's entries of `appId` for `word` (with `prefix`, every word
   * starting with it), in word order; undefined when the day is not served or
   * more than `maxWords` words match.
   */
  wordsOf(day: string, appId: string, word: string, prefix: boolean, maxWords: number): WordEntry[] | undefined;
  /** `cacheBytes`: what is kept in memory for searches (decompressed replies, look-ups of words and executions). */
  readonly stats: { entries: number; days: number; cacheBytes: number };
  close(): Promise<void>;
}

/** Replies written per write transaction while a batch is stored. */
const ENTRIES_PER_TRANSACTION = 20;

const keyOf = (appId: string, executionId: string) => `${appId}\u0000${executionId}`;
type WordKey = [string, string, string];
/** A posting as stored: `c` for a common word, else its (ordinal, position) pairs, comma separated. */
const COMMON_LINE = 'c';
const postingsLine = (postings: WordPostings) => ('common' in postings ? COMMON_LINE : postings.steps.join(','));
const postingsOf = (line: string): WordPostings => (line === COMMON_LINE ? { common: true } : { steps: line === '' ? [] : line.split(',').map(Number) });
/** The `index`-th line of newline-separated `text`. */
function lineAt(text: string, index: number): string {
  let start = 0;
  for (let i = 0; i < index; i++) start = text.indexOf('\n', start) + 1;
  const end = text.indexOf('\n', start);
  return end < 0 ? text.slice(start) : text.slice(start, end);
}
/**
 * Words per stored chunk: about 250 B of words, what a look-up reads per day,
 * and their postings, read when one matches. At 1M steps, 20 words took a
 * look-up of a rare word over 31 days 80 us and 180 MB; 40 words (and
 * compressed postings) 190 us and 205 MB (half-full pages of larger entries).
 */
const WORDS_PER_CHUNK = 20;
/** Chunks stored per write transaction. */
const CHUNKS_PER_TRANSACTION = 200;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const STEPS_KEY = Buffer.from('steps');

/**
 * Where each step's JSON starts in a detail reply's UTF-8 bytes, then where
 * the steps' array closes: step i is bytes `at[i]` to `at[i + 1] - 1` (the
 * comma between them dropped), the last `at[n - 1]` to `at[n]`. So a search
 * decodes the steps that hold its word without the whole reply
 * (api/step-search-index.ts). The text is compact JSON as the route's
 * serializer writes it (api/execution-detail.ts); its top-level `steps` key is
 * found by walking the bytes (a string value may hold the same characters; no
 * byte of a multi-byte UTF-8 character is ASCII). Undefined when it has none.
 *
 * @example
 * stepOffsets(Buffer.from('{"execution":null,"steps":[{"a":1},{"b":"]"}],"scores":[]}')); // [27, 35, 44]
 */
export function stepOffsets(bytes: Uint8Array): number[] | undefined {
  let depth = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let offsets: number[] | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const code = bytes[i];
    if (code === QUOTE) {
      const start = i + 1;
      for (i += 1; bytes[i] !== QUOTE; i++) if (bytes[i] === BACKSLASH) i += 1;
      if (depth === 1) [keyStart, keyEnd] = [start, i];
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      depth += 1;
      if (depth === 2 && code === OPEN_BRACKET && keyEnd - keyStart === STEPS_KEY.length && STEPS_KEY.equals(bytes.subarray(keyStart, keyEnd))) offsets = [];
      else if (depth === 3 && offsets) offsets.push(i);
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth -= 1;
      if (depth === 1 && offsets) {
        offsets.push(i);
        return offsets;
      }
    } else if (code === COMMA && depth === 1) {
      keyStart = keyEnd = -1;
    }
  }
  return undefined;
}

/** A reply as stored: its header's length (4 bytes, little-endian), its header as JSON, then its text. */
function encodeReply({ json, ...rest }: StoredReply): Buffer {
  const body = Buffer.from(json);
  const header = Buffer.from(JSON.stringify({ ...rest, stepsAt: stepOffsets(body) ?? [] } satisfies ReplyHeader));
  const bytes = Buffer.allocUnsafe(4 + header.length + body.length);
  bytes.writeUInt32LE(header.length, 0);
  header.copy(bytes, 4);
  body.copy(bytes, 4 + header.length);
  return bytes;
}

/** A stored reply's header and where its text starts; undefined for bytes of another layout (an earlier format's). */
function headerOf(bytes: Buffer): { header: ReplyHeader; textAt: number } | undefined {
  if (bytes.length < 4) return undefined;
  const textAt = 4 + bytes.readUInt32LE(0);
  if (textAt > bytes.length) return undefined;
  try {
    const header = JSON.parse(bytes.toString('utf8', 4, textAt)) as ReplyHeader;
    return typeof header.day === 'string' && Array.isArray(header.stepsAt) ? { header, textAt } : undefined;
  } catch {
    return undefined;
  }
}

/** A stored reply as read: its header, where its text starts, and its bytes. */
interface ReadReply {
  header: ReplyHeader;
  textAt: number;
  bytes: Buffer;
}

/**
 * A served day's look-up as step search made it (`wordsOf`, `executionAt`):
 * `found` undefined when a prefix matched too many words (or no execution has
 * the ordinal); `size`, about what it holds in memory.
 */
interface KeptLookup {
  found: WordEntry[] | DayExecution | undefined;
  size: number;
}

/** About the bytes a look-up's result holds in memory (its strings and numbers, and the objects around them). */
function lookupSize(key: string, found: KeptLookup['found']): number {
  let size = 64 + 2 * key.length;
  if (Array.isArray(found)) {
    for (const { word, postings } of found) size += 80 + 2 * word.length + ('steps' in postings ? 8 * postings.steps.length : 0);
  } else if (found) size += 80 + 2 * (found.appId.length + found.executionId.length);
  return size;
}

/**
 * 16 MiB for what step search keeps in memory: decompressed replies it read
 * (about 650 of 20 steps with 1 KB payloads), so the replies of a word
 * searched again are not decompressed again (12 us each at 10M steps, most of
 * a rare word's hits), and its look-ups of the served days' words and
 * executions, so the same search again, or its next page, reads no LMDB (a
 * rare word over 30 days: ~110 us of 30 days' word chunks, postings and
 * executions, in-process at 10M steps).
 */
export const DEFAULT_REPLY_CACHE_BYTES = 16 * 1024 * 1024;

export interface ReplyStoreOptions {
  /** Bytes kept in memory for searches (`stepBytes`, `wordsOf`, `executionAt`); 0: none. */
  cacheBytes?: number;
}

/**
 * @example
 * const store = openReplyStore('/var/lib/xray/replies');
 * const reply = store.get('default', 'exec-1'); // undefined until its day is built and verified
 */
export function openReplyStore(path: string, options: ReplyStoreOptions = {}): ReplyStore {
  const root: RootDatabase = open({ path, compression: true, maxDbs: 6 });
  // Read through getBinaryFast (lmdb's shared buffer, decompressed): decoded before any other read.
  const replies: Database<Buffer, string> = root.openDB({ name: 'replies', encoding: 'binary', compression: true });
  /** The stored reply of `key`, its header and text bytes (valid until the next read); undefined when none. */
  const readReply = (key: string): ReadReply | undefined => {
    // lmdb sets the shared buffer's length to the value's size.
    const bytes = replies.getBinaryFast(key) as Buffer | undefined;
    const found = bytes && headerOf(bytes);
    return found && { ...found, bytes: bytes! };
  };
  /**
   * What searches read, least recently used out first, in one byte budget
   * (PostgreSQL's buffer cache holds its heap and index pages the same way):
   * - served replies a search decoded, as copies of their bytes, under the
   *   reply's key. An entry goes when its key is written, removed or
   *   forgotten; one of a build its day is no longer served from is dropped
   *   when read.
   * - look-ups of served days' words and executions, under a key that starts
   *   with NUL (no reply's does: an app id is never empty) and names the
   *   day's generation: every change to the day's words and executions (the
   *   start and the end of storing them, their removal) starts a new one, so
   *   an entry is never read past a change, and ages out after. (A day not
   *   served is never looked up.)
   */
  const cacheBytes = options.cacheBytes ?? DEFAULT_REPLY_CACHE_BYTES;
  const cache =
    cacheBytes > 0
      ? new LRUCache<string, ReadReply | KeptLookup>({ maxSize: cacheBytes, sizeCalculation: (kept) => ('found' in kept ? kept.size : kept.bytes.length) })
      : undefined;
  /** Each day's generation: its words and executions changed this many times since the store opened. */
  const generations = new Map<string, number>();
  const generationOf = (day: string) => generations.get(day) ?? 0;
  const changed = (day: string) => generations.set(day, generationOf(day) + 1);
  /** A served day's look-up, from the cache when its generation made it there. */
  const lookedUp = <T extends KeptLookup['found']>(day: string, what: string, read: () => T): T => {
    const key = `\u0000${generationOf(day)}\u0000${day}\u0000${what}`;
    const kept = cache?.get(key) as KeptLookup | undefined;
    if (kept) return kept.found as T;
    const found = read();
    cache?.set(key, { found, size: lookupSize(key, found) });
    return found;
  };
  const days: Database<DayRecord, string> = root.openDB({ name: 'days' });
  // Keys are arrays, ordered element by element (lmdb's ordered-binary): a day's words, and an app's within it, sort together.
  // A chunk's words are read whole by every look-up of its day: uncompressed; each is `\n word \n word ... \n`.
  const words: Database<string, WordKey> = root.openDB({ name: 'words', encoding: 'string', compression: false });
  // Read one chunk per day that holds a looked-up word: uncompressed too (decompressing cost more than reading).
  const postings: Database<string, WordKey> = root.openDB({ name: 'postings', encoding: 'string', compression: false });
  const executions: Database<DayExecution, [string, number]> = root.openDB({ name: 'executions' });
  /** Removes a day's words, postings and executions (inside a write transaction). */
  const removeWordsOf = (day: string) => {
    changed(day);
    for (const db of [words, postings, executions] as Database<unknown, Key[]>[]) {
      const keys: Key[][] = [];
      for (const key of db.getKeys({ start: [day] })) {
        if (key[0] !== day) break;
        keys.push(key);
      }
      for (const key of keys) db.removeSync(key);
    }
  };
  const verified = new Map<string, ServedDay>();
  /** Drops a day's record, and with `drop` its replies (`keys`) and words (inside a write transaction). */
  const dropDay = (day: string, keys: readonly string[], drop: boolean) => {
    days.removeSync(day);
    if (!drop) return;
    for (const key of keys) {
      const reply = readReply(key);
      // An execution's reply belongs to one day; a later build may have filed it under another (one of an earlier layout goes).
      if (!reply || reply.header.day === day) {
        replies.removeSync(key);
        cache?.delete(key);
      }
    }
    removeWordsOf(day);
  };
  const stale: [string, DayRecord][] = [];
  for (const { key, value } of days.getRange()) {
    if (value.format === DAY_FORMAT) verified.set(key, { parts: value.parts, content: value.content, build: value.build });
    else stale.push([key, value]);
  }
  // Days built before their words were kept (or under another version of them): built again.
  if (stale.length > 0) root.transactionSync(() => stale.forEach(([day, record]) => dropDay(day, record.keys, true)));
  const readings = new Set<Reading>();
  // Forgotten keys whose removal is not committed yet: never served meanwhile (a write's 200 precedes the commit).
  const removing = new Map<string, number>();
  const stats = {
    get entries() {
      return (replies.getStats() as { entryCount: number }).entryCount;
    },
    get days() {
      return verified.size;
    },
    get cacheBytes() {
      return cache?.calculatedSize ?? 0;
    },
  };

  const isServed = (reply: ReadReply) => verified.get(reply.header.day)?.build === reply.header.build;
  /**
   * The reply of (app, execution id) if it is served: not being forgotten, and
   * of the build its day is served from; from the cache first, and with
   * `keep`, kept there (its bytes copied: lmdb's buffer is reused by the next read).
   */
  const servedReply = (appId: string, executionId: string, keep: boolean) => {
    const key = keyOf(appId, executionId);
    if (removing.has(key)) return undefined;
    // A reply's key never starts with NUL: what it keeps is a reply.
    const cached = cache?.get(key) as ReadReply | undefined;
    if (cached && isServed(cached)) return cached;
    if (cached) cache!.delete(key);
    const reply = readReply(key);
    if (!reply || !isServed(reply)) return undefined;
    if (!keep || !cache) return reply;
    // A copy of the value's bytes (lmdb's shared buffer reports the value's size as its length, not its own).
    const kept = { ...reply, bytes: Buffer.from(new Uint8Array(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.length)) };
    cache.set(key, kept);
    return kept;
  };

  /** The served day's entries of `appId` for `word` (or its prefix), read from LMDB (`wordsOf`). */
  const readWords = (day: string, appId: string, word: string, prefix: boolean, maxWords: number): WordEntry[] | undefined => {
    const found: WordEntry[] = [];
    // The word, or the words starting with it, sort from it on, together: from the first chunk whose last word is not before it.
    for (const { key, value } of words.getRange({ start: [day, appId, word] })) {
      if (key[0] !== day || key[1] !== appId) break;
      let at = value.indexOf(prefix ? `\n${word}` : `\n${word}\n`);
      // Not in the first chunk: in none (a prefix's words would start here, or the chunk would end before them).
      if (at < 0) break;
      let index = 0;
      for (let i = value.indexOf('\n'); i < at; i = value.indexOf('\n', i + 1)) index += 1;
      let lines: string | undefined;
      while (at < value.length - 1) {
        const end = value.indexOf('\n', at + 1);
        const stored = value.slice(at + 1, end);
        if (prefix ? !stored.startsWith(word) : stored !== word) return found;
        if (found.length === maxWords) return undefined;
        lines ??= postings.get(key) ?? '';
        found.push({ word: stored, postings: postingsOf(lineAt(lines, index)) });
        index += 1;
        at = end;
      }
      // Every word to the chunk's end matched: a prefix's words may go on in the next chunk.
      if (!prefix) break;
    }
    return found;
  };

  return {
    stats,
    get(appId, executionId) {
      // A timeline's reply is kept by the route's cache of finished executions (api/execution-cache.ts), not here.
      const reply = servedReply(appId, executionId, false);
      if (!reply) return undefined;
      const { day, build, rows, startMillis } = reply.header;
      return { json: reply.bytes.toString('utf8', reply.textAt, reply.bytes.length), rows, startMillis, day, build };
    },
    stepBytes(appId, executionId, positions) {
      const reply = servedReply(appId, executionId, true);
      if (!reply) return undefined;
      const { header: { day, stepsAt }, bytes, textAt } = reply;
      const last = stepsAt.length - 2;
      const steps: Buffer[] = [];
      for (const position of positions) {
        if (position > last || position < 0) return undefined;
        const step = bytes.subarray(textAt + stepsAt[position]!, textAt + (position === last ? stepsAt[position + 1]! : stepsAt[position + 1]! - 1));
        // Without a cache the reply is lmdb's shared buffer, overwritten by the next read: copied.
        steps.push(cache ? step : Buffer.from(step));
      }
      return { day, steps, reply };
    },
    async forget(appId, executionId) {
      for (const reading of readings) {
        if (reading.appId === appId) reading.forgotten.add(executionId);
      }
      const key = keyOf(appId, executionId);
      cache?.delete(key);
      // While a batch is being stored, its write may not be committed yet: remove after it either way.
      if (readings.size === 0 && !replies.doesExist(key)) return;
      removing.set(key, (removing.get(key) ?? 0) + 1);
      try {
        await replies.remove(key);
      } finally {
        const left = (removing.get(key) ?? 1) - 1;
        if (left > 0) removing.set(key, left);
        else removing.delete(key);
      }
    },
    days: () => new Map(verified),
    serves: (day) => verified.has(day),
    async reparts(day, parts) {
      const record = days.get(day);
      const served = verified.get(day);
      if (!record || !served) return;
      await days.put(day, { ...record, parts });
      verified.set(day, { ...served, parts });
    },
    async unverify(day, drop, stored = []) {
      verified.delete(day);
      const record = days.get(day);
      // A day never verified may still hold the replies and words of a build that failed its check (`stored`).
      if (record || drop) await root.transaction(() => dropDay(day, [...(record?.keys ?? []), ...stored], drop));
    },
    async storeBatch(appId, read) {
      const reading: Reading = { appId, forgotten: new Set() };
      readings.add(reading);
      try {
        const entries = await read();
        const stored: string[] = [];
        // Committed a few at a time: each transaction's callback runs on the event loop.
        for (let i = 0; i < entries.length; i += ENTRIES_PER_TRANSACTION) {
          const slice = entries.slice(i, i + ENTRIES_PER_TRANSACTION);
          await replies.transaction(() => {
            for (const { appId: app, executionId, ...reply } of slice) {
              if (reading.forgotten.has(executionId)) continue;
              const key = keyOf(app, executionId);
              replies.putSync(key, encodeReply(reply));
              cache?.delete(key);
              stored.push(key);
            }
          });
        }
        return stored;
      } finally {
        readings.delete(reading);
      }
    },
    async verify(day, signature, keys, build) {
      await days.put(day, { parts: signature.parts, content: signature.content, build, keys: [...keys], format: DAY_FORMAT });
      verified.set(day, { parts: signature.parts, content: signature.content, build });
    },
    async storeWords(day, gathered) {
      await root.transaction(() => removeWordsOf(day));
      // Taken in the order LMDB keeps keys (apps, then words, by code point: UTF-8 byte order) as the words come,
      // cut into chunks per app, a transaction's worth at a time: a day's words are never copied or held twice.
      const entries = gathered.entries();
      let next = entries.next();
      let previous: readonly [string, string] | undefined;
      while (!next.done) {
        const chunks: [WordKey, string, string][] = [];
        while (!next.done && chunks.length < CHUNKS_PER_TRANSACTION) {
          const appId = next.value[0];
          const run: string[] = [];
          const lines: string[] = [];
          while (!next.done && run.length < WORDS_PER_CHUNK && next.value[0] === appId) {
            const [, word, found] = next.value;
            if (previous && compareCodePointPairs(previous, [appId, word]) >= 0) {
              throw new Error(`day words out of order: ${JSON.stringify(previous)} before ${JSON.stringify([appId, word])}`);
            }
            previous = [appId, word];
            run.push(word);
            lines.push(postingsLine(found));
            next = entries.next();
          }
          chunks.push([[day, appId, run[run.length - 1]!], `\n${run.join('\n')}\n`, lines.join('\n')]);
        }
        await root.transaction(() => {
          for (const [key, text, lines] of chunks) {
            words.putSync(key, text);
            postings.putSync(key, lines);
          }
        });
      }
      const numbered = gathered.executions();
      for (let i = 0; i < numbered.length; i += CHUNKS_PER_TRANSACTION) {
        await executions.transaction(() => {
          for (let ordinal = i; ordinal < Math.min(numbered.length, i + CHUNKS_PER_TRANSACTION); ordinal++) executions.putSync([day, ordinal], numbered[ordinal]!);
        });
      }
      // Looked up while they were being written: read again.
      changed(day);
    },
    generation: generationOf,
    executionAt(day, ordinal) {
      return verified.has(day) ? lookedUp(day, `e\u0000${ordinal}`, () => executions.get([day, ordinal])) : undefined;
    },
    wordsOf(day, appId, word, prefix, maxWords) {
      return verified.has(day) ? lookedUp(day, `w\u0000${appId}\u0000${prefix ? 1 : 0}\u0000${maxWords}\u0000${word}`, () => readWords(day, appId, word, prefix, maxWords)) : undefined;
    },
    async close() {
      await root.close();
    },
  };
}
