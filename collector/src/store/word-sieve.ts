/**
 * A sieve of the words a day's steps hold, for step search: a Bloom filter
 * that answers "surely absent" or "maybe there" for a search's terms, so a
 * rare word's search need not ask the engine for a day that cannot hold it
 * (api/search-sieves.ts keeps one per app and recent day, fed by ingest).
 *
 * What goes in mirrors how step search matches (store/step-search.ts): the
 * words `searchWords` cuts from each of the four searched fields, whole
 * (`word` hashes), and for reasoning and error messages also every prefix of
 * a word of PREFIX_MIN_CHARS code points or more (`prefix` hashes), since a
 * long bare word matches there as a word prefix. A term may match a day only
 * if the sieve may hold its hash: a long bare word as a prefix or a whole
 * word, a short one whole, a phrase through each of its words whole. The
 * sieve only ever answers "maybe" for what was added, so a day it rules out
 * holds no match; a false "maybe" costs only the engine read it would have
 * cost anyway.
 *
 * Stored text is UTF-8, where a lone surrogate becomes U+FFFD: the hashes are
 * of UTF-16 code units with lone surrogates read as U+FFFD, so a word hashes
 * alike from a JavaScript string and from the engine's text of it. Pure.
 */
import type { SearchTerm } from './step-search.js';
import { PREFIX_MIN_CHARS, isPrefixIn } from './step-search.js';

/** Anything hashes can be added to: a sieve, or the set a decode worker gathers a request's hashes in. */
export interface HashSink {
  add(hash: number): void;
}

/** FNV-1a offset bases, one per kind of hash, so a word and a prefix of the same letters hash apart. */
const WORD_BASIS = 0x811c9dc5;
const PREFIX_BASIS = 0x050c5d1f;
const FNV_PRIME = 0x01000193;
const REPLACEMENT_CHARACTER = 0xfffd;
/** Each ASCII unit as a word character (ASCII letters lower-cased), or 0 for a separator. */
const ASCII_WORD_UNITS = Uint8Array.from({ length: 0x80 }, (_, unit) => {
  if (unit >= 0x41 && unit <= 0x5a) return unit + 0x20;
  return (unit >= 0x61 && unit <= 0x7a) || (unit >= 0x30 && unit <= 0x39) ? unit : 0;
});

/** murmur3's finalizer: spreads FNV's bits so that every bit of the result depends on every unit. */
function finish(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/**
 * Adds to `sink` the hashes of the words of `text` as step search tokenizes
 * them (ASCII letters and digits and any non-ASCII character, ASCII letters
 * lower-cased): each word whole, and with `prefixes`, each of its prefixes of
 * PREFIX_MIN_CHARS code points or more. One pass, no strings made.
 *
 * @example
 * const seen = new Set<number>();
 * addTextWords('Score below threshold', true, { add: (hash) => seen.add(hash) });
 * seen.has(wordHash('thre', true)); // true
 */
export function addTextWords(text: string, prefixes: boolean, sink: HashSink): void {
  let word = 0;
  let prefix = 0;
  let chars = 0;
  let inWord = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    let unit = text.charCodeAt(i);
    let low = -1;
    if (unit < 0x80) {
      unit = ASCII_WORD_UNITS[unit]!;
      if (unit === 0) {
        if (inWord) {
          sink.add(finish(word));
          inWord = false;
        }
        continue;
      }
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        low = next;
        i += 1;
      } else {
        unit = REPLACEMENT_CHARACTER;
      }
    }
    if (!inWord) {
      inWord = true;
      word = WORD_BASIS;
      prefix = PREFIX_BASIS;
      chars = 0;
    }
    word = Math.imul(word ^ unit, FNV_PRIME);
    if (low >= 0) word = Math.imul(word ^ low, FNV_PRIME);
    if (prefixes) {
      prefix = Math.imul(prefix ^ unit, FNV_PRIME);
      if (low >= 0) prefix = Math.imul(prefix ^ low, FNV_PRIME);
      if (++chars >= PREFIX_MIN_CHARS) sink.add(finish(prefix));
    }
  }
  if (inWord) sink.add(finish(word));
}

/**
 * The hash addTextWords gives `word` (one word as step search tokenizes it)
 * whole, or with `prefix` as a prefix.
 *
 * @example
 * wordHash('zanzibar', false) === wordHash('Zanzibar', false); // true
 */
export function wordHash(word: string, prefix: boolean): number {
  // With prefixes, a word of PREFIX_MIN_CHARS code points or more adds its prefixes, the whole one last, then itself whole.
  let previous = 0;
  let last = 0;
  addTextWords(word, prefix, {
    add(hash) {
      previous = last;
      last = hash;
    },
  });
  return prefix ? previous : last;
}

/** The searched fields of a step (its row's, or its record's). */
export interface SearchedFields {
  reasoning: string;
  error_message: string;
  input: string;
  output: string;
}

/** Adds a step's words: its reasoning and error message with prefixes, its input and output whole. */
export function addStepWords(step: SearchedFields, sink: HashSink): void {
  if (step.reasoning) addTextWords(step.reasoning, true, sink);
  if (step.error_message) addTextWords(step.error_message, true, sink);
  if (step.input) addTextWords(step.input, false, sink);
  if (step.output) addTextWords(step.output, false, sink);
}

/**
 * A set of 32-bit hashes (open addressing, grown at half full), in which a
 * decode worker gathers a request's distinct hashes before handing them over:
 * a 1,000-step request adds ~135,000 hashes, of which a few thousand differ.
 */
export class HashSet implements HashSink {
  private slots: Int32Array;
  private count = 0;
  /** Whether 0 was added (0 marks an empty slot). */
  private zero = false;

  constructor(capacityLog2 = 12) {
    this.slots = new Int32Array(1 << capacityLog2);
  }

  get size(): number {
    return this.count + (this.zero ? 1 : 0);
  }

  add(hash: number): void {
    hash |= 0;
    if (hash === 0) {
      this.zero = true;
      return;
    }
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const held = slots[i]!;
      if (held === hash) return;
      if (held === 0) {
        slots[i] = hash;
        if (++this.count * 2 > slots.length) this.grow();
        return;
      }
    }
  }

  /** The hashes, each once, in a buffer of their own (to be moved to another thread). */
  values(): Int32Array {
    const out = new Int32Array(this.size);
    let n = 0;
    if (this.zero) out[n++] = 0;
    for (const held of this.slots) if (held !== 0) out[n++] = held;
    return out;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.count = 0;
    for (const held of old) if (held !== 0) this.add(held);
  }
}

/** Bit positions each hash sets (Kirsch and Mitzenmacher's double hashing). */
const PROBES = 3;

/**
 * A Bloom filter of word hashes: 2^bitsLog2 bits, three per hash. At
 * 2^24 bits (2 MiB), a day of 660,000 distinct words (issue 10's 10M
 * dataset) answers "maybe" for an absent word about once in 2,000.
 */
export class WordSieve implements HashSink {
  private readonly bits: Int32Array;
  private readonly mask: number;

  constructor(bitsLog2: number) {
    this.bits = new Int32Array(1 << Math.max(0, bitsLog2 - 5));
    this.mask = this.bits.length * 32 - 1;
  }

  /** The sieve's memory, bytes. */
  get bytes(): number {
    return this.bits.byteLength;
  }

  add(hash: number): void {
    const step = finish(hash ^ 0x5bd1e995) | 1;
    for (let i = 0, position = hash; i < PROBES; i++, position = (position + step) | 0) {
      const bit = position & this.mask;
      this.bits[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** Whether `hash` may have been added; false: surely not. */
  mayHold(hash: number): boolean {
    const step = finish(hash ^ 0x5bd1e995) | 1;
    for (let i = 0, position = hash; i < PROBES; i++, position = (position + step) | 0) {
      const bit = position & this.mask;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** Adds every hash of `hashes`. */
  addAll(hashes: ArrayLike<number>): void {
    for (let i = 0; i < hashes.length; i++) this.add(hashes[i]!);
  }
}

/** Whether a term may match a step whose words the sieve holds (false: no step of them matches it). */
function mayMatch(sieve: WordSieve, term: SearchTerm): boolean {
  if (term.kind === 'phrase') return term.words.every((word) => sieve.mayHold(wordHash(word, false)));
  if (sieve.mayHold(wordHash(term.word, false))) return true;
  // A prefix in reasoning and error messages, the fields whose words the sieve holds with their prefixes.
  return isPrefixIn(term, 'reasoning') && sieve.mayHold(wordHash(term.word, true));
}

/**
 * Whether no step whose words the sieve holds can match every term of a
 * search (every term must match a step, so one ruled-out term rules out the
 * day).
 *
 * @example
 * const sieve = new WordSieve(16);
 * addStepWords({ reasoning: 'Score below threshold', error_message: '', input: '{}', output: '' }, sieve);
 * rulesOut(sieve, parseSearch('thresh').terms); // false
 * rulesOut(sieve, parseSearch('zanzibar').terms); // true (but for a false "maybe")
 */
export function rulesOut(sieve: WordSieve, terms: readonly SearchTerm[]): boolean {
  return terms.some((term) => !mayMatch(sieve, term));
}

/** The distinct word hashes of one app's steps of one day (partition day, `YYYY-MM-DD` of start_time). */
export interface DayWordHashes {
  appId: string;
  day: string;
  hashes: Int32Array;
}

type GatheredStep = SearchedFields & { app_id: string; start_time: string };

/**
 * Gathers the distinct word hashes of step rows added one at a time, per app
 * and partition day (a decode worker that encodes each row as it is mapped);
 * `gatherStepWords` over a list.
 *
 * @example
 * const words = new StepWordsGatherer();
 * words.add(step);
 * words.result(); // [{ appId: 'a', day: '2026-12-01', hashes: Int32Array [...] }]
 */
export class StepWordsGatherer {
  private readonly byDay = new Map<string, { appId: string; day: string; set: HashSet }>();

  add(step: GatheredStep): void {
    const day = step.start_time.slice(0, 10);
    const key = `${step.app_id}\u0000${day}`;
    let gathered = this.byDay.get(key);
    if (!gathered) this.byDay.set(key, (gathered = { appId: step.app_id, day, set: new HashSet() }));
    addStepWords(step, gathered.set);
  }

  result(): DayWordHashes[] {
    return [...this.byDay.values()].map(({ appId, day, set }) => ({ appId, day, hashes: set.values() }));
  }
}

/**
 * The distinct word hashes of step rows, per app and day: what a decode
 * worker hands the main thread with the steps it encoded, so the day's sieve
 * learns them before the rows are stored.
 *
 * @example
 * gatherStepWords([{ app_id: 'default', start_time: '2026-12-06 10:00:00.000000000', reasoning: 'below', error_message: '', input: '', output: '' }]);
 * // [{ appId: 'default', day: '2026-12-06', hashes: Int32Array [...] }]
 */
export function gatherStepWords(steps: readonly GatheredStep[]): DayWordHashes[] {
  const words = new StepWordsGatherer();
  for (const step of steps) words.add(step);
  return words.result();
}
