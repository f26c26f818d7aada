/**
 * What step search reads of a step's stored text (the step schema's JSON, as
 * the reply store keeps it, read as its UTF-8 bytes): its sort key, its
 * sequence and its searched fields, read from the bytes where they stand
 * instead of parsing or even decoding all of it. A rare word's hits were ~60%
 * `JSON.parse` of the whole step (attributes, names, times) in-process, and
 * the objects it made most of the search's garbage; then decoding each hit's
 * whole text, and encoding it again for the reply, was the rest. The bytes go
 * into the reply as they are (api/execution-routes.ts). In UTF-8 no byte of a
 * multi-byte character is ASCII, so a quote or a backslash found is one.
 *
 * The text is the step schema's serialization, so its members come in the
 * schema's order, and `executionId` through `reasoning` are strings and
 * numbers before the first nested value (`error`): the first `"key":` is the
 * step's own member, since inside a JSON string every `"` is escaped and
 * `"key":` never matches within a value, so each member is found on its own,
 * without reading the ones before it. The error's message is the first
 * `"message":` after `"error":{` for the same reason (`type` before it is a
 * string). Pure.
 */
import type { SearchFields } from './search-snippet.js';

/** A step as search keeps it: its sort key, its sequence and its searched fields. */
export interface SearchedStep {
  spanId: string;
  startTimeUnixNano: string;
  sequence: number;
  /** Where the sequence's value starts in the step's bytes (for `renumberedStep`). */
  sequenceAt: number;
  fields: SearchFields;
}

const OPEN_BRACE = 0x7b;
const ZERO = Buffer.from('0');

/**
 * A stored step as read here: its UTF-8 bytes, and the same bytes as a
 * latin1 string (one character a byte, so an index in one is an index in the
 * other), where members and quotes are found by string search, much cheaper
 * per look-up than a search of the bytes; values are decoded from the bytes.
 */
interface StepBytes {
  bytes: Buffer;
  scan: string;
}

/** Where the value of the first member `key` after `from` starts (past `"key":`), or -1. */
function memberValue(step: StepBytes, key: string, from: number): number {
  const name = `"${key}":`;
  const at = step.scan.indexOf(name, from);
  return at < 0 ? -1 : at + name.length;
}

/** The JSON string starting at `start` (its opening quote): its value and the index past its closing quote. */
function stringAt(step: StepBytes, start: number): { value: string; end: number } {
  const { bytes, scan } = step;
  let close = start + 1;
  let escaped = false;
  for (;;) {
    close = scan.indexOf('"', close);
    if (close < 0) throw new SyntaxError('unterminated string in a stored step');
    // A quote is escaped by an odd run of backslashes before it.
    let slashes = 0;
    while (scan.charCodeAt(close - 1 - slashes) === 0x5c) slashes += 1;
    if (slashes % 2 === 0) break;
    escaped = true;
    close += 1;
  }
  if (!escaped) {
    const backslash = scan.indexOf('\\', start + 1);
    escaped = backslash >= 0 && backslash < close;
  }
  // Unescaped, the bytes between the quotes are the value's UTF-8 (JSON escapes nothing else).
  const value = escaped ? (JSON.parse(bytes.toString('utf8', start, close + 1)) as string) : bytes.toString('utf8', start + 1, close);
  return { value, end: close + 1 };
}

/** The string member `key` of the step, read from `from` on. */
function stringMember(step: StepBytes, key: string, from: number): { value: string; end: number } {
  const at = memberValue(step, key, from);
  if (at < 0 || step.scan.charCodeAt(at) !== 0x22) throw new SyntaxError(`a stored step without a string "${key}"`);
  return stringAt(step, at);
}

/**
 * A stored step's searched fields, each decoded from its bytes the first
 * time it is asked for: the matcher and the snippet look at reasoning first
 * and stop at the first field that matches, so a hit in its reasoning never
 * decodes its input and output (JSON text, escaped: most of a step's bytes).
 */
class StoredFields implements SearchFields {
  readonly #step: StepBytes;
  /** Where the members after `startTimeUnixNano` are looked up from. */
  readonly #from: number;
  #reasoning?: string;
  #errorMessage?: string;
  #input?: string;
  #output?: string;

  constructor(step: StepBytes, from: number) {
    this.#step = step;
    this.#from = from;
  }

  get reasoning(): string {
    return (this.#reasoning ??= stringMember(this.#step, 'reasoning', this.#from).value);
  }

  get error_message(): string {
    if (this.#errorMessage === undefined) {
      const at = memberValue(this.#step, 'error', this.#from);
      if (at < 0) throw new SyntaxError('a stored step without "error"');
      this.#errorMessage = this.#step.scan.charCodeAt(at) === OPEN_BRACE ? stringMember(this.#step, 'message', at).value : '';
    }
    return this.#errorMessage;
  }

  get input(): string {
    return (this.#input ??= stringMember(this.#step, 'input', this.#from).value);
  }

  get output(): string {
    return (this.#output ??= stringMember(this.#step, 'output', this.#from).value);
  }
}

/**
 * What search reads of a stored step, from its UTF-8 bytes (one step's JSON
 * text, exactly): only the members it needs are decoded.
 *
 * @example
 * searchedStepOf(Buffer.from('{"executionId":"e","spanId":"s",...,"reasoning":"why","error":null,...}')).fields.reasoning; // 'why'
 */
export function searchedStepOf(bytes: Buffer): SearchedStep {
  const step: StepBytes = { bytes, scan: bytes.toString('latin1') };
  const spanId = stringMember(step, 'spanId', 0);
  const sequenceAt = memberValue(step, 'sequence', spanId.end);
  if (sequenceAt < 0) throw new SyntaxError('a stored step without "sequence"');
  const startTime = stringMember(step, 'startTimeUnixNano', spanId.end);
  return {
    spanId: spanId.value,
    startTimeUnixNano: startTime.value,
    sequence: Number.parseFloat(step.scan.slice(sequenceAt, sequenceAt + 24)),
    sequenceAt,
    fields: new StoredFields(step, startTime.end),
  };
}

/**
 * A renumbered step's bytes as a search row reads it: its sequence, where
 * `searchedStepOf` read it, written as 0.
 *
 * @example
 * const bytes = Buffer.from('{"executionId":"e","spanId":"s","parentSpanId":"r","sequence":7,...}');
 * renumberedStep(bytes, searchedStepOf(bytes)); // '...,"sequence":0,...'
 */
export function renumberedStep(bytes: Buffer, { sequence, sequenceAt }: Pick<SearchedStep, 'sequence' | 'sequenceAt'>): Buffer {
  return Buffer.concat([bytes.subarray(0, sequenceAt), ZERO, bytes.subarray(sequenceAt + String(sequence).length)]);
}
