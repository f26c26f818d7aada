/**
 * OTLP/JSON read span by span straight from the bytes, for the decode
 * worker's streamed pipeline (ingest/encode-request.ts), as the protobuf
 * decoder reads protobuf.
 *
 * decodeJsonTraces (decode-json.ts) runs JSON.parse over the whole body
 * first: every span's objects (three per attribute) stay alive until the
 * last span is mapped, and under the collector's small young generation
 * (launch.ts) each scavenge copied and promoted them. This reader builds
 * only what a span keeps (its strings, numbers and attribute map), hands
 * the span on, and lets it die young.
 *
 * It is a fast path, not a second decoder of record. It reads the requests
 * OpenTelemetry's serializers write, checks JSON's grammar on everything it
 * passes over (strings, escapes, numbers, nesting), and reads each value
 * with map-json-request.ts's own checks (past one leading byte order mark,
 * which the staged decoder's TextDecoder drops too). Anything else makes it
 * give up and return undefined: a body that is not UTF-8, a key it reads
 * written with an escape (keys inside values it passes over are only
 * scanned), a key given twice in one object, a snake_case field name, an AnyValue with two members, a resource after its
 * spans or a scope after its spans, nesting deeper than it follows, or any
 * value the schema would reject. The caller then decodes the body the
 * staged way (JSON.parse, map-json-request.ts, the zod schema for the error
 * message; ingest/decode-request.ts does so only up to a size, past which it
 * refuses the body), so the answer is always decodeJsonTraces's; the tests hold the
 * two to the same result on official, respelled, edited and byte-mutated
 * requests. One exception, in the reader's favour: past the request's
 * limit of events or attribute values it refuses the body at once (a 400),
 * so a body that passes a limit in a copy of a key that JSON.parse would
 * overwrite with a later copy is refused, where the staged decoder reads
 * only the later copy.
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { MAX_ANY_VALUE_DEPTH, setAttribute } from './attributes.js';
import { createDecodeResultBuilder, type DecodeResultBuilder } from './decode-result.js';
import { readBase64, readDouble, SNAKE_CASE_FIELD_NAMES } from './json-schema.js';
import { emitSpan, int32, int64Attr, INVALID, invalid, text, uint64, type JsonSpanFields } from './map-json-request.js';
import type { BufferSlicers } from './wire-reader.js';
import type { AttrValue, Attributes, DecodedEvent, DecodedSpan, DecodeResult } from '../contracts/spans.js';

/** The longest string V8 makes (2^29 - 24 code units). */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** 1 for the bytes that end a run of plain text inside a JSON string. */
const STRING_STOPS = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) STRING_STOPS[c] = 1;
STRING_STOPS[QUOTE] = 1;
STRING_STOPS[BACKSLASH] = 1;

/** How deep a value this reader passes over may nest (JSON.parse goes deeper; the staged path answers those). */
const MAX_SKIP_DEPTH = 64;

// The field names the reader reads, as small numbers: a key is matched by
// its bytes' hash and then its bytes, so no string is made for it.
const F_OTHER = 0;
const F_SNAKE = 1;
const F_RESOURCE_SPANS = 2;
const F_RESOURCE = 3;
const F_SCOPE_SPANS = 4;
const F_SCOPE = 5;
const F_SPANS = 6;
const F_NAME = 7;
const F_VERSION = 8;
const F_ATTRIBUTES = 9;
const F_TRACE_ID = 10;
const F_SPAN_ID = 11;
const F_PARENT_SPAN_ID = 12;
const F_KIND = 13;
const F_START = 14;
const F_END = 15;
const F_EVENTS = 16;
const F_STATUS = 17;
const F_TIME = 18;
const F_CODE = 19;
const F_MESSAGE = 20;
const F_KEY = 21;
const F_VALUE = 22;
const F_STRING = 23;
const F_BOOL = 24;
const F_INT = 25;
const F_DOUBLE = 26;
const F_BYTES = 27;
const F_ARRAY = 28;
const F_KVLIST = 29;
const F_VALUES = 30;
// Fields read over, named only so that the next one can be guessed (see Likely).
const F_DROPPED_ATTRIBUTES = 31;
const F_DROPPED_EVENTS = 32;
const F_LINKS = 33;
const F_DROPPED_LINKS = 34;
const F_FLAGS = 35;
const FIELD_COUNT = 36;
/** Returned by nextField at the end of an object. */
const END_OF_OBJECT = -1;

const FIELD_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['resourceSpans', F_RESOURCE_SPANS],
  ['resource', F_RESOURCE],
  ['scopeSpans', F_SCOPE_SPANS],
  ['scope', F_SCOPE],
  ['spans', F_SPANS],
  ['name', F_NAME],
  ['version', F_VERSION],
  ['attributes', F_ATTRIBUTES],
  ['traceId', F_TRACE_ID],
  ['spanId', F_SPAN_ID],
  ['parentSpanId', F_PARENT_SPAN_ID],
  ['kind', F_KIND],
  ['startTimeUnixNano', F_START],
  ['endTimeUnixNano', F_END],
  ['events', F_EVENTS],
  ['status', F_STATUS],
  ['timeUnixNano', F_TIME],
  ['code', F_CODE],
  ['message', F_MESSAGE],
  ['key', F_KEY],
  ['value', F_VALUE],
  ['stringValue', F_STRING],
  ['boolValue', F_BOOL],
  ['intValue', F_INT],
  ['doubleValue', F_DOUBLE],
  ['bytesValue', F_BYTES],
  ['arrayValue', F_ARRAY],
  ['kvlistValue', F_KVLIST],
  ['values', F_VALUES],
  ['droppedAttributesCount', F_DROPPED_ATTRIBUTES],
  ['droppedEventsCount', F_DROPPED_EVENTS],
  ['links', F_LINKS],
  ['droppedLinksCount', F_DROPPED_LINKS],
  ['flags', F_FLAGS],
  // Field names whose snake_case spelling the staged decoder also reads: met here, the reader gives up.
  ...SNAKE_CASE_FIELD_NAMES.map((name) => [name, F_SNAKE] as const),
];

/** One byte into the hash the reader matches keys and names by (every hash of it goes through here, so they agree). */
function hashStep(hash: number, byte: number): number {
  return (Math.imul(hash, 31) + byte) | 0;
}

function hashOf(bytes: Uint8Array): number {
  let hash = 0;
  for (let i = 0; i < bytes.length; i++) hash = hashStep(hash, bytes[i]);
  return hash;
}

interface KnownString {
  bytes: Uint8Array;
  id: number;
  text: string;
}

const FIELDS = new Map<number, KnownString>();
for (const [name, id] of FIELD_NAMES) {
  const bytes = Buffer.from(name, 'latin1');
  const hash = hashOf(bytes);
  if (FIELDS.has(hash)) throw new Error(`field names ${name} and ${FIELDS.get(hash)?.text} share a hash`);
  FIELDS.set(hash, { bytes, id, text: name });
}

/**
 * A field guessed to come next, as the bytes `"name":` and its number:
 * OpenTelemetry's serializers write a message's fields in one order, and
 * checking a few bytes costs less than scanning, hashing and looking up the
 * key. A wrong guess costs the check, then the key is read as any other.
 */
interface Likely {
  bytes: Uint8Array;
  id: number;
}

function likely(name: string): Likely {
  const id = FIELD_NAMES.find(([known]) => known === name)?.[1];
  if (id === undefined) throw new Error(`no field ${name}`);
  return { bytes: Buffer.from(`"${name}":`, 'latin1'), id };
}

const LIKELY_KEY = likely('key');
const LIKELY_VALUE = likely('value');
const LIKELY_STRING = likely('stringValue');
const LIKELY_CODE = likely('code');
/** A span's first field. */
const LIKELY_SPAN_START = likely('traceId');
/** The field a span's field is most often followed by, by field. */
const LIKELY_AFTER_IN_SPAN: ReadonlyArray<Likely | undefined> = (() => {
  const order = ['traceId', 'spanId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'droppedAttributesCount', 'events', 'droppedEventsCount', 'status', 'links', 'droppedLinksCount', 'flags'];
  const after: Array<Likely | undefined> = new Array(FIELD_COUNT + 1).fill(undefined);
  for (let i = 0; i + 1 < order.length; i++) after[likely(order[i]).id] = likely(order[i + 1]);
  return after;
})();

type SpanScalar = 'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'kind' | 'startTimeUnixNano' | 'endTimeUnixNano';

/** The span's fields kept as they are written (emitSpan checks them), by field. */
const SPAN_SCALARS: ReadonlyArray<SpanScalar | undefined> = (() => {
  const names: Array<SpanScalar | undefined> = new Array(FIELD_COUNT).fill(undefined);
  names[F_TRACE_ID] = 'traceId';
  names[F_SPAN_ID] = 'spanId';
  names[F_PARENT_SPAN_ID] = 'parentSpanId';
  names[F_NAME] = 'name';
  names[F_KIND] = 'kind';
  names[F_START] = 'startTimeUnixNano';
  names[F_END] = 'endTimeUnixNano';
  return names;
})();

/** Attribute names seen before, reused: the same few recur in every span, and a reused string is already a property key. */
const MAX_KNOWN_NAMES = 4096;
/** Attribute names longer than this are sliced each time. */
const MAX_KNOWN_NAME_BYTES = 128;

/**
 * The attribute names a thread keeps: a table of MAX_KNOWN_NAMES slots, one
 * name a slot, the slot chosen by the name's hash; a name whose slot is
 * taken is not kept. Every look-up is one slot and one byte compare whatever
 * a sender names. (A Map keyed by the hash was not: V8 hashes integer keys
 * with a fixed function, so a sender could pick thousands of names that
 * share one of its buckets and make every look-up walk them all, ~11 us a
 * key instead of ~50 ns.) The first name to take a slot keeps it, so a
 * sender naming many cannot push out the names every request repeats.
 */
export class KnownNames {
  private readonly slots: Array<KnownString | undefined> = new Array(MAX_KNOWN_NAMES).fill(undefined);

  /** The name kept in `hash`'s slot, if any (the caller compares its bytes). */
  find(hash: number): KnownString | undefined {
    return this.slots[slotOf(hash)];
  }

  /** Keeps `name` in `hash`'s slot unless another name has it. */
  keep(hash: number, name: KnownString): void {
    const slot = slotOf(hash);
    if (this.slots[slot] === undefined) this.slots[slot] = name;
  }

  kept(): KnownString[] {
    return this.slots.filter((name): name is KnownString => name !== undefined);
  }
}

/** The slot of the table a name takes (for the tests, which pick names that share one). */
export function knownNameSlot(name: string): number {
  return slotOf(hashOf(Buffer.from(name, 'utf8')));
}

/** The hash's bits folded together, then its low bits: names that differ only early still spread. */
function slotOf(hash: number): number {
  const mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (mixed ^ (mixed >>> 16)) & (MAX_KNOWN_NAMES - 1);
}

class JsonSpanReader {
  private pos = 0;
  private readonly end: number;
  private readonly slicers: BufferSlicers;
  /** Of the last string scanned: where its text starts and ends, and how many escapes it holds. */
  private textStart = 0;
  private textEnd = 0;
  private escapes = 0;
  /** Spans read so far (handed on or rejected). */
  private spansRead = 0;
  /** Whether it gave up on the body's layout (see layout()); otherwise on its grammar or a value. */
  gaveUpOnLayout = false;
  /** passValue's stack: what each container it is inside closes with. */
  private closers: Uint8Array = new Uint8Array(16);

  constructor(
    private readonly bytes: Buffer,
    private readonly result: DecodeResultBuilder,
    private readonly names: KnownNames,
  ) {
    this.end = bytes.length;
    this.slicers = bytes as unknown as BufferSlicers;
  }

  /** Where it is in the body (where it stopped, once it gave up). */
  get position(): number {
    return Math.min(this.pos, this.end);
  }

  read(): void {
    this.whitespace();
    this.expect(OPEN_OBJECT);
    let seen = false;
    for (let field = this.firstField(); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field === F_RESOURCE_SPANS) {
        if (seen) this.layout();
        seen = true;
        if (this.isNull()) continue;
        for (let r = this.firstElement(); r >= 0; r = this.nextElement(r)) this.resourceSpans(`resourceSpans[${r}]`);
      } else this.other(field);
    }
    this.whitespace();
    if (this.pos !== this.end) invalid();
  }

  private resourceSpans(where: string): void {
    let resource: Attributes = {};
    this.headedList(
      F_RESOURCE,
      () =>
        this.oneField(F_ATTRIBUTES, () => {
          resource = this.attributes(1);
        }),
      F_SCOPE_SPANS,
      (s) => this.scopeSpans(`${where}.scopeSpans[${s}]`, resource),
    );
  }

  private scopeSpans(where: string, resource: Attributes): void {
    let scope: { name: string; version: string } | undefined;
    // Spans share their scope object, as the staged decoder's do.
    let spanScope: { name: string; version: string } | undefined;
    this.headedList(
      F_SCOPE,
      () => {
        let name: unknown;
        let version: unknown;
        this.expect(OPEN_OBJECT);
        for (let field = this.firstField(); field !== END_OF_OBJECT; field = this.nextField()) {
          if (field === F_NAME) name = this.once(name, this.scalar());
          else if (field === F_VERSION) version = this.once(version, this.scalar());
          else this.other(field);
        }
        scope = { name: text(name), version: text(version) };
      },
      F_SPANS,
      (i) => {
        spanScope ??= scope ?? { name: '', version: '' };
        this.span(where, i, resource, spanScope);
      },
    );
  }

  /**
   * A ResourceSpans or ScopeSpans object: its header (`headerField`, read by
   * readHeader unless null) and its list (`listField`, each element read by
   * readElement). A header after spans of the list gives up: it would change
   * spans already handed on.
   */
  private headedList(headerField: number, readHeader: () => void, listField: number, readElement: (index: number) => void): void {
    let headerSeen = false;
    let listSeen = false;
    const spansBefore = this.spansRead;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field === headerField) {
        if (headerSeen || this.spansRead > spansBefore) this.layout();
        headerSeen = true;
        if (!this.isNull()) readHeader();
      } else if (field === listField) {
        if (listSeen) this.layout();
        listSeen = true;
        if (this.isNull()) continue;
        for (let i = this.firstElement(); i >= 0; i = this.nextElement(i)) readElement(i);
      } else this.other(field);
    }
  }

  /** `spans[index]` of the scope at `scopeWhere`. */
  private span(scopeWhere: string, index: number, resource: Attributes, scope: { name: string; version: string }): void {
    const fields: JsonSpanFields = {
      traceId: undefined,
      spanId: undefined,
      parentSpanId: undefined,
      startTimeUnixNano: undefined,
      endTimeUnixNano: undefined,
      name: undefined,
      kind: undefined,
      attributes: {},
      events: [],
      status: { code: 0, message: '' },
    };
    // One bit per field read: JSON.parse keeps a key's last value, this reader gives up.
    let seen = 0;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(LIKELY_SPAN_START); field !== END_OF_OBJECT; field = this.nextField(LIKELY_AFTER_IN_SPAN[field])) {
      if (field >= F_NAME && field <= F_STATUS) {
        const bit = 1 << field;
        if (seen & bit) this.layout();
        seen |= bit;
      }
      const scalar = SPAN_SCALARS[field];
      if (scalar !== undefined) {
        fields[scalar] = this.scalar();
        continue;
      }
      switch (field) {
        case F_ATTRIBUTES:
          fields.attributes = this.attributes(1);
          break;
        case F_EVENTS:
          if (this.isNull()) break;
          for (let e = this.firstElement(); e >= 0; e = this.nextElement(e)) {
            // Past the request's limit: OtlpDecodeError (a 400), as decodeJsonTraces answers.
            this.result.countEvents(1);
            fields.events.push(this.event());
          }
          break;
        case F_STATUS:
          if (!this.isNull()) fields.status = this.status();
          break;
        default:
          this.other(field);
      }
    }
    this.spansRead += 1;
    emitSpan(fields, scopeWhere, index, resource, scope, this.result);
  }

  private event(): DecodedEvent {
    let time: unknown;
    let name: unknown;
    let attributes: Attributes | undefined;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field === F_TIME) time = this.once(time, this.scalar());
      else if (field === F_NAME) name = this.once(name, this.scalar());
      else if (field === F_ATTRIBUTES) {
        if (attributes !== undefined) this.layout();
        attributes = this.attributes(1);
      } else this.other(field);
    }
    // The staged decoder's object, keys in its order.
    return { timeUnixNano: uint64(time), name: text(name), attributes: attributes ?? {} } as DecodedEvent;
  }

  private status(): { code: number; message: string } {
    let code: unknown;
    let message: unknown;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(LIKELY_CODE); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field === F_CODE) code = this.once(code, this.scalar());
      else if (field === F_MESSAGE) message = this.once(message, this.scalar());
      else this.other(field);
    }
    return { code: int32(code), message: text(message) };
  }

  /** A KeyValue list whose values nest at `level` (null: none). */
  private attributes(level: number): Attributes {
    const target: Attributes = {};
    if (this.isNull()) return target;
    for (let i = this.firstElement(); i >= 0; i = this.nextElement(i)) {
      // Past the request's limit: OtlpDecodeError (a 400), as decodeJsonTraces answers (an array item too, below).
      this.result.countAttributeValues(1);
      let key: unknown;
      let value: AttrValue = null;
      let valueSeen = false;
      this.expect(OPEN_OBJECT);
      for (let field = this.firstField(LIKELY_KEY); field !== END_OF_OBJECT; field = this.nextField(field === F_KEY ? LIKELY_VALUE : undefined)) {
        if (field === F_KEY) key = this.once(key, this.attributeName());
        else if (field === F_VALUE) {
          if (valueSeen) this.layout();
          valueSeen = true;
          if (this.isNull()) continue;
          // The schema accepts no value at all below the deepest level.
          if (level > MAX_ANY_VALUE_DEPTH) invalid();
          value = this.anyValue(level);
        } else this.other(field);
      }
      setAttribute(target, text(key), value);
    }
    return target;
  }

  /** An AnyValue at nesting level `level`; one member at most (two or more: the staged decoder decides). */
  private anyValue(level: number): AttrValue {
    let value: AttrValue = null;
    let members = 0;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(LIKELY_STRING); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field < F_STRING || field > F_KVLIST) {
        this.other(field);
        continue;
      }
      members++;
      if (this.isNull()) continue;
      switch (field) {
        case F_STRING: {
          const raw = this.scalar();
          value = typeof raw === 'string' ? raw : invalid();
          break;
        }
        case F_BOOL: {
          const raw = this.scalar();
          value = typeof raw === 'boolean' ? raw : invalid();
          break;
        }
        case F_INT:
          value = int64Attr(this.scalar());
          break;
        case F_DOUBLE:
          value = readDouble(this.scalar()) ?? invalid();
          break;
        case F_BYTES:
          value = readBase64(this.scalar()) ?? invalid();
          break;
        case F_ARRAY:
          value = this.arrayValue(level);
          break;
        default:
          value = this.kvlistValue(level);
      }
    }
    if (members > 1) this.layout();
    return value;
  }

  private arrayValue(level: number): AttrValue[] {
    const items: AttrValue[] = [];
    this.oneField(F_VALUES, () => {
      if (this.isNull()) return;
      for (let i = this.firstElement(); i >= 0; i = this.nextElement(i)) {
        // The schema rejects any item below the deepest level.
        if (level + 1 > MAX_ANY_VALUE_DEPTH) invalid();
        this.result.countAttributeValues(1);
        items.push(this.anyValue(level + 1));
      }
    });
    return items;
  }

  private kvlistValue(level: number): Attributes {
    let entries: Attributes = {};
    this.oneField(F_VALUES, () => {
      entries = this.attributes(level + 1);
    });
    return entries;
  }

  /** An object of which only `wanted` is read (by `read`, once, null included); its other fields are passed over. */
  private oneField(wanted: number, read: () => void): void {
    let seen = false;
    this.expect(OPEN_OBJECT);
    for (let field = this.firstField(); field !== END_OF_OBJECT; field = this.nextField()) {
      if (field !== wanted) {
        this.other(field);
        continue;
      }
      if (seen) this.layout();
      seen = true;
      read();
    }
  }

  /** A field the reader does not read: passed over (its grammar checked), unless the staged decoder reads it. */
  private other(field: number): void {
    if (field === F_SNAKE) this.layout();
    this.passValue(MAX_SKIP_DEPTH);
  }

  /** A scalar field's second value: JSON.parse keeps the last, this reader gives up. */
  private once(previous: unknown, value: unknown): unknown {
    if (previous !== undefined) this.layout();
    return value;
  }

  /** A KeyValue's key: a string seen before is reused; anything else is read as scalar() reads it. */
  private attributeName(): unknown {
    if (this.bytes[this.pos] !== QUOTE) return this.scalar();
    this.scanString();
    const start = this.textStart;
    const length = this.textEnd - start;
    if (this.escapes !== 0) return JSON.parse(this.slicers.utf8Slice(start - 1, this.pos)) as string;
    if (length > MAX_KNOWN_NAME_BYTES) return this.slicers.utf8Slice(start, this.textEnd);
    const hash = this.hashOfText();
    const known = this.names.find(hash);
    if (known !== undefined && this.matches(known.bytes)) return known.text;
    const name = this.slicers.utf8Slice(start, this.textEnd);
    // A copy of the bytes: a view would keep the whole request body alive for as long as the name is known.
    if (known === undefined) this.names.keep(hash, { bytes: new Uint8Array(this.bytes.subarray(start, this.textEnd)), id: F_OTHER, text: name });
    return name;
  }

  /** Whether the last string scanned holds exactly `bytes`. */
  private matches(bytes: Uint8Array): boolean {
    const start = this.textStart;
    if (this.textEnd - start !== bytes.length) return false;
    const b = this.bytes;
    for (let i = 0; i < bytes.length; i++) if (b[start + i] !== bytes[i]) return false;
    return true;
  }

  // --- JSON grammar ---

  /** After an object's `{`: its first field, or END_OF_OBJECT if it is empty. */
  private firstField(guess?: Likely): number {
    this.whitespace();
    if (this.bytes[this.pos] === CLOSE_OBJECT) {
      this.pos++;
      return END_OF_OBJECT;
    }
    return guess !== undefined && this.guessed(guess) ? guess.id : this.field();
  }

  /** After a field's value: the next field, or END_OF_OBJECT after the `}`. */
  private nextField(guess?: Likely): number {
    this.whitespace();
    const next = this.bytes[this.pos++];
    if (next === CLOSE_OBJECT) return END_OF_OBJECT;
    if (next !== COMMA) invalid();
    this.whitespace();
    return guess !== undefined && this.guessed(guess) ? guess.id : this.field();
  }

  /** Whether the guessed key and its colon come next; if so they are read, and the whitespace after them. */
  private guessed(guess: Likely): boolean {
    const b = this.bytes;
    const bytes = guess.bytes;
    const p = this.pos;
    if (p + bytes.length > this.end) return false;
    for (let i = 0; i < bytes.length; i++) if (b[p + i] !== bytes[i]) return false;
    this.pos = p + bytes.length;
    this.whitespace();
    return true;
  }

  /** A key and its colon; the field it names (F_OTHER when none the reader reads), the value next. */
  private field(): number {
    // The key's bytes are hashed as they are scanned; a key with an escape
    // or a control character is left to the staged decoder.
    const b = this.bytes;
    const end = this.end;
    let p = this.pos;
    if (b[p] !== QUOTE) invalid();
    const start = ++p;
    let hash = 0;
    for (;;) {
      if (p >= end) invalid();
      const c = b[p];
      if (c === QUOTE) break;
      if (c === BACKSLASH) this.layout();
      if (c < 0x20) this.failAt(p);
      hash = hashStep(hash, c);
      p++;
    }
    this.textStart = start;
    this.textEnd = p;
    this.pos = p + 1;
    const known = FIELDS.get(hash);
    const id = known !== undefined && this.matches(known.bytes) ? known.id : F_OTHER;
    this.whitespace();
    this.expect(COLON);
    this.whitespace();
    return id;
  }

  /** At an array's `[`: 0 for its first element, -1 if it is empty. Each element is an object. */
  private firstElement(): number {
    this.expect(OPEN_ARRAY);
    this.whitespace();
    if (this.bytes[this.pos] === CLOSE_ARRAY) {
      this.pos++;
      return -1;
    }
    // A repeated message's element is an object, never null.
    if (this.bytes[this.pos] !== OPEN_OBJECT) invalid();
    return 0;
  }

  /** After element `index`: index + 1, or -1 after the `]`. */
  private nextElement(index: number): number {
    this.whitespace();
    const next = this.bytes[this.pos++];
    if (next === CLOSE_ARRAY) return -1;
    if (next !== COMMA) invalid();
    this.whitespace();
    if (this.bytes[this.pos] !== OPEN_OBJECT) invalid();
    return index + 1;
  }

  /** Consumes `null` if it comes next. */
  private isNull(): boolean {
    const b = this.bytes;
    const p = this.pos;
    if (b[p] === 0x6e && b[p + 1] === 0x75 && b[p + 2] === 0x6c && b[p + 3] === 0x6c) {
      this.pos = p + 4;
      return true;
    }
    return false;
  }

  /** A string, number, boolean or null, as JSON.parse gives it; an object or array gives up. */
  private scalar(): string | number | boolean | null {
    const c = this.bytes[this.pos];
    if (c === QUOTE) {
      this.scanString();
      if (this.escapes === 0) return this.slicers.utf8Slice(this.textStart, this.textEnd);
      // JSON.parse undoes escapes (the scan has checked them) faster than a loop here.
      return JSON.parse(this.slicers.utf8Slice(this.textStart - 1, this.pos)) as string;
    }
    if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      const start = this.pos;
      this.number();
      return Number(this.slicers.latin1Slice(start, this.pos));
    }
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    if (this.literal('null')) return null;
    return invalid();
  }

  /**
   * Where JSON's grammar first fails in the whole body, or undefined when it
   * holds, at any depth (JSON.parse's own parser is iterative too). Makes
   * nothing of the values it passes over.
   */
  syntaxError(): JsonSyntaxError | undefined {
    try {
      this.whitespace();
      this.passValue(Number.POSITIVE_INFINITY);
      this.whitespace();
      if (this.pos !== this.end) invalid();
      return undefined;
    } catch (error) {
      if (error !== INVALID) throw error;
      return { offset: this.position, byte: this.pos < this.end ? this.bytes[this.pos] : undefined };
    }
  }

  /** Where the literal that starts here stops being `true`, `false` or `null` (its start when it starts as none). */
  private literalEnd(): number {
    const b = this.bytes;
    let p = this.pos;
    const word = LITERALS.find((each) => each.charCodeAt(0) === b[p]);
    if (word === undefined) return p;
    for (let i = 0; i < word.length && b[p] === word.charCodeAt(i); i++) p++;
    return p;
  }

  /** An object member's key and colon, any string, and the whitespace after them. */
  private memberKey(): void {
    this.scanString();
    this.whitespace();
    this.expect(COLON);
    this.whitespace();
  }

  /**
   * Passes over one value of any kind, checking JSON's grammar (an object's
   * keys are strings of any kind: nothing reads them here, and JSON.parse
   * takes an escaped or a repeated one). Iterative, with one byte of stack a
   * level, what each open container closes with; a value nested more than
   * `maxDepth` levels inside this one gives up on the layout.
   */
  private passValue(maxDepth: number): void {
    const b = this.bytes;
    let depth = 0;
    value: for (;;) {
      const c = b[this.pos];
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const close = c === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY;
        this.pos++;
        this.whitespace();
        if (b[this.pos] === close) this.pos++;
        else {
          if (depth >= maxDepth) this.layout();
          if (depth === this.closers.length) this.closers = growStack(this.closers);
          this.closers[depth++] = close;
          if (close === CLOSE_OBJECT) this.memberKey();
          continue value;
        }
      } else if (c === QUOTE) this.scanString();
      else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) this.number();
      else if (!this.literal('true') && !this.literal('false') && !this.literal('null')) this.failAt(this.literalEnd());
      // After a value: close what it ends, or go on to the next member or element.
      while (depth > 0) {
        this.whitespace();
        const close = this.closers[depth - 1];
        const next = b[this.pos];
        if (next === close) {
          this.pos++;
          depth--;
        } else if (next === COMMA) {
          this.pos++;
          this.whitespace();
          if (close === CLOSE_OBJECT) this.memberKey();
          continue value;
        } else invalid();
      }
      return;
    }
  }

  /**
   * From an opening quote to just past the closing one, checking JSON's
   * rules for strings (no raw control characters, only its escapes); sets
   * textStart, textEnd and escapes.
   */
  private scanString(): void {
    const b = this.bytes;
    const end = this.end;
    let p = this.pos;
    if (b[p] !== QUOTE) this.failAt(p);
    p++;
    const start = p;
    let escapes = 0;
    for (;;) {
      // Bytes that end a plain run: a quote, a backslash, a control character.
      while (p < end && STRING_STOPS[b[p]] === 0) p++;
      if (p >= end) this.failAt(p);
      const c = b[p];
      if (c === QUOTE) break;
      if (c < 0x20) this.failAt(p);
      // A backslash: one of JSON's escapes must follow.
      escapes++;
      const e = b[p + 1];
      if (e === 0x75) {
        // \uXXXX
        for (let i = 2; i < 6; i++) if (!isHex(b[p + i])) this.failAt(p + i);
        p += 6;
      } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        p += 2;
      } else this.failAt(p + 1);
    }
    this.textStart = start;
    this.textEnd = p;
    this.escapes = escapes;
    this.pos = p + 1;
  }

  /**
   * Gives up on a body JSON.parse reads and this reader does not (a repeated
   * key, an escaped key, snake_case, a header after its spans, an AnyValue
   * with two members, deep nesting): its layout, not its grammar or a value.
   */
  private layout(): never {
    this.gaveUpOnLayout = true;
    return invalid();
  }

  /** Gives up at byte `p` (where a syntax error is reported). */
  private failAt(p: number): never {
    this.pos = p;
    return invalid();
  }

  /** hashOf the last string scanned. */
  private hashOfText(): number {
    const b = this.bytes;
    let hash = 0;
    for (let p = this.textStart; p < this.textEnd; p++) hash = hashStep(hash, b[p]);
    return hash;
  }

  /** JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
  private number(): void {
    const b = this.bytes;
    let p = this.pos;
    if (b[p] === MINUS) p++;
    if (b[p] === DIGIT_0) p++;
    else if (isDigit(b[p])) while (isDigit(b[p])) p++;
    else this.failAt(p);
    if (b[p] === 0x2e) {
      p++;
      if (!isDigit(b[p])) this.failAt(p);
      while (isDigit(b[p])) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++;
      if (b[p] === 0x2b || b[p] === MINUS) p++;
      if (!isDigit(b[p])) this.failAt(p);
      while (isDigit(b[p])) p++;
    }
    this.pos = p;
  }

  private literal(word: 'true' | 'false' | 'null'): boolean {
    const b = this.bytes;
    for (let i = 0; i < word.length; i++) if (b[this.pos + i] !== word.charCodeAt(i)) return false;
    this.pos += word.length;
    return true;
  }

  private expect(byte: number): void {
    if (this.bytes[this.pos] !== byte) invalid();
    this.pos++;
  }

  /** JSON's whitespace: space, tab, line feed, carriage return. */
  private whitespace(): void {
    const b = this.bytes;
    let p = this.pos;
    for (;;) {
      const c = b[p];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= DIGIT_0 && c <= DIGIT_9;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= DIGIT_0 && c <= DIGIT_9) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

/** Attribute names this thread has read (a decode worker reads many requests), at most MAX_KNOWN_NAMES. */
const knownNames = new KnownNames();

/** The attribute names kept, for the tests: each holds its own bytes, never a view of a request body. */
export function knownAttributeNames(): ReadonlyArray<{ bytes: Uint8Array; text: string }> {
  return knownNames.kept();
}

const LITERALS = ['true', 'false', 'null'] as const;

/** A stack of twice the depth, what `stack` holds kept. */
function growStack(stack: Uint8Array): Uint8Array {
  const grown = new Uint8Array(stack.length * 2);
  grown.set(stack);
  return grown;
}

/** 3 when `body` starts with UTF-8's byte order mark (which decodeJsonTraces's TextDecoder drops), else 0. */
export function byteOrderMarkLength(body: Uint8Array): number {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
}

/** Where a body breaks JSON's grammar: the byte offset, and the byte there (none when the body ends early). */
export interface JsonSyntaxError {
  offset: number;
  byte: number | undefined;
}

/**
 * Where `body` (UTF-8, past one byte order mark) first breaks JSON's
 * grammar, or undefined when it is valid JSON, found without making any of
 * its values: for a body too large to parse whole (ingest/decode-request.ts),
 * whose error must still say what is wrong with it.
 *
 * @example
 * jsonSyntaxError(Buffer.from('{"a":}')); // { offset: 5, byte: 0x7d }
 */
export function jsonSyntaxError(body: Buffer): JsonSyntaxError | undefined {
  const mark = byteOrderMarkLength(body);
  const found = new JsonSpanReader(body.subarray(mark), createDecodeResultBuilder(), knownNames).syntaxError();
  return found && { ...found, offset: found.offset + mark };
}

/**
 * Why the reader gave up on a body: its layout (JSON.parse reads it, this
 * reader does not) or not (its grammar, or a value the schema refuses),
 * and the byte offset in the body where it stopped.
 */
export interface JsonGiveUp {
  layout: boolean;
  offset: number;
}

/**
 * Reads an OTLP/JSON request span by span, each accepted span going to
 * `onSpan` as soon as it is read (without one, into the result's spans);
 * undefined when the body is not one this reader takes (see above), and the
 * caller must run decodeJsonTraces; `onGiveUp` then learns why. Spans
 * handed on before it gave up are the caller's to discard.
 *
 * @example
 * const result = readJsonTraces(body, (span) => mapper.add(span)) ?? undefined; // undefined: decode it staged
 */
export function readJsonTraces(
  body: Buffer,
  onSpan?: (span: DecodedSpan) => void,
  names: KnownNames = knownNames,
  onGiveUp?: (why: JsonGiveUp) => void,
): DecodeResult | undefined {
  // Longer than a string can be: decodeJsonTraces cannot make it text and refuses it (a 400); leave it to it.
  // decodeJsonTraces's TextDecoder refuses bad UTF-8, which this reader leaves to it, and drops one byte order
  // mark, which this reader passes over (not leaving such a body to the staged decoder's whole-body parse).
  if (body.length > MAX_STRING_LENGTH || !isUtf8(body)) {
    onGiveUp?.({ layout: false, offset: 0 });
    return undefined;
  }
  const mark = byteOrderMarkLength(body);
  const result = createDecodeResultBuilder(onSpan);
  const reader = new JsonSpanReader(body.subarray(mark), result, names);
  try {
    reader.read();
  } catch (error) {
    // An OtlpDecodeError here is the request's events or attribute values past their limit: decodeJsonTraces refuses
    // the same body with the same error (it counts the whole request in the body's order before mapping any of it,
    // countJsonRequest), so it goes out without a second parse.
    if (error !== INVALID) throw error;
    onGiveUp?.({ layout: reader.gaveUpOnLayout, offset: reader.position + mark });
    return undefined;
  }
  return result.finish();
}
