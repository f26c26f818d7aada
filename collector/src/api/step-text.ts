/**
 * What step search reads of a step's stored text (the step schema's JSON, as
 * the reply store keeps it): its sort key, its sequence and its searched
 * fields, read from the text where they stand instead of parsing all of it.
 * A rare word's hits were ~60% `JSON.parse` of the whole step (attributes,
 * names, times) in-process, and the objects it made most of the search's
 * garbage.
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
  fields: SearchFields;
}

/** Where the value of the first member `key` after `from` starts (past `"key":`), or -1. */
function memberValue(text: string, key: string, from: number): number {
  const name = `"${key}":`;
  const at = text.indexOf(name, from);
  return at < 0 ? -1 : at + name.length;
}

/** The JSON string starting at `start` (its opening quote): its value and the index past its closing quote. */
function stringAt(text: string, start: number): { value: string; end: number } {
  let close = start + 1;
  let escaped = false;
  for (;;) {
    close = text.indexOf('"', close);
    if (close < 0) throw new SyntaxError('unterminated string in a stored step');
    // A quote is escaped by an odd run of backslashes before it.
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === 0x5c) slashes += 1;
    if (slashes % 2 === 0) break;
    escaped = true;
    close += 1;
  }
  for (let i = start + 1; !escaped && i < close; i++) escaped = text.charCodeAt(i) === 0x5c;
  const value = escaped ? (JSON.parse(text.slice(start, close + 1)) as string) : text.slice(start + 1, close);
  return { value, end: close + 1 };
}

/** The string member `key` of the step text, read from `from` on. */
function stringMember(text: string, key: string, from: number): { value: string; end: number } {
  const at = memberValue(text, key, from);
  if (at < 0 || text.charCodeAt(at) !== 0x22) throw new SyntaxError(`a stored step without a string "${key}"`);
  return stringAt(text, at);
}

/**
 * A stored step's searched fields, each read from the text the first time it
 * is asked for: the matcher and the snippet look at reasoning first and stop
 * at the first field that matches, so a hit in its reasoning never decodes
 * its input and output (JSON text, escaped: most of a step's bytes).
 */
class StoredFields implements SearchFields {
  readonly #text: string;
  /** Where the members after `startTimeUnixNano` are looked up from. */
  readonly #from: number;
  #reasoning?: string;
  #errorMessage?: string;
  #input?: string;
  #output?: string;

  constructor(text: string, from: number) {
    this.#text = text;
    this.#from = from;
  }

  get reasoning(): string {
    return (this.#reasoning ??= stringMember(this.#text, 'reasoning', this.#from).value);
  }

  get error_message(): string {
    if (this.#errorMessage === undefined) {
      const at = memberValue(this.#text, 'error', this.#from);
      if (at < 0) throw new SyntaxError('a stored step without "error"');
      this.#errorMessage = this.#text.charCodeAt(at) === 0x7b /* { */ ? stringMember(this.#text, 'message', at).value : '';
    }
    return this.#errorMessage;
  }

  get input(): string {
    return (this.#input ??= stringMember(this.#text, 'input', this.#from).value);
  }

  get output(): string {
    return (this.#output ??= stringMember(this.#text, 'output', this.#from).value);
  }
}

/**
 * @example
 * searchedStepOf('{"executionId":"e","spanId":"s",...,"reasoning":"why","error":null,...}').fields.reasoning; // 'why'
 */
export function searchedStepOf(text: string): SearchedStep {
  const spanId = stringMember(text, 'spanId', 0);
  const sequenceAt = memberValue(text, 'sequence', spanId.end);
  if (sequenceAt < 0) throw new SyntaxError('a stored step without "sequence"');
  const startTime = stringMember(text, 'startTimeUnixNano', spanId.end);
  return {
    spanId: spanId.value,
    startTimeUnixNano: startTime.value,
    sequence: Number.parseFloat(text.slice(sequenceAt, sequenceAt + 24)),
    fields: new StoredFields(text, startTime.end),
  };
}

/**
 * A renumbered step's text as a search row reads it: its sequence (as read
 * by `searchedStepOf`) written as 0, found as every member here is.
 *
 * @example
 * renumberedText('{"executionId":"e","spanId":"s","parentSpanId":"r","sequence":7,...}', 7); // '...,"sequence":0,...'
 */
export function renumberedText(text: string, sequence: number): string {
  const at = memberValue(text, 'sequence', 0);
  if (at < 0) throw new SyntaxError('a stored step without "sequence"');
  return `${text.slice(0, at)}0${text.slice(at + String(sequence).length)}`;
}
