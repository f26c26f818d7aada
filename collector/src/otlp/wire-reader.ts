/**
 * A reader for the protobuf wire format over one request body: varints,
 * fixed-width values, length-delimited payloads and unknown-field skipping.
 * Every read takes the end of the enclosing message and checks itself against
 * it, so no length or varint in the body can make a read leave its message,
 * let alone the buffer; a body that tries throws OtlpDecodeError.
 *
 * The limits follow protobufjs 8 (the decoder the collector used before, and
 * the reference the tests compare against), so both accept exactly the same
 * bodies: tags and lengths are at most 5 bytes, other varints at most 10
 * (except that an unknown varint field is skipped whatever its length), a
 * field number of 0 and wire types 4, 6 and 7 are errors, groups are skipped
 * when their end tag matches, and messages nest at most MAX_MESSAGE_DEPTH
 * deep.
 */
import { constants as bufferConstants } from 'node:buffer';
import { OtlpDecodeError } from './errors.js';

/** protobufjs's Reader.recursionLimit: how deep messages (and skipped groups) may nest. */
export const MAX_MESSAGE_DEPTH = 100;

/** Wire types (the low three bits of a tag). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const START_GROUP = 3;
export const END_GROUP = 4;
export const FIXED32 = 5;

/** Strings up to this many bytes go through the per-body string cache. */
const MAX_CACHED_STRING_BYTES = 32;
/** Slots of the string cache (a power of two). */
const STRING_CACHE_SLOTS = 512;

// `fatal` rejects invalid UTF-8 as proto3 requires; `ignoreBOM` keeps a
// leading U+FEFF as a character instead of dropping it, as protobufjs does.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The longest string V8 makes. A body can hold a field whose text would be
 * longer (with XRAY_MAX_BODY_BYTES above 256 MiB): that is the sender's
 * data, refused as such (a 400), not a failure of the collector.
 */
const MAX_TEXT_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/** Throws OtlpDecodeError when a field at `start` would read as more than MAX_TEXT_LENGTH characters. */
function checkTextLength(length: number, start: number): void {
  if (length > MAX_TEXT_LENGTH) {
    throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: the field at offset ${start} is too long to read (${length} characters)`);
  }
}

/**
 * Node's Buffer has had these string slicers since its first versions (the
 * documented toString(encoding, start, end) dispatches to them after checking
 * its arguments); they are called directly because they run once per string
 * of every span (here and in json-span-reader.ts).
 */
export interface BufferSlicers {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
  base64Slice(start: number, end: number): string;
}

function malformed(reason: string): OtlpDecodeError {
  return new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: ${reason}`);
}

function outOfRange(pos: number, length: number, end: number): OtlpDecodeError {
  return malformed(`index out of range: ${pos} + ${length} > ${end}`);
}

export class WireReader {
  readonly buf: Buffer;
  private readonly slicers: BufferSlicers;
  private readonly stringCache: string[] = new Array<string>(STRING_CACHE_SLOTS).fill('');
  pos = 0;

  constructor(body: Uint8Array) {
    // A plain Uint8Array is viewed as a Buffer (no copy) for its slicers.
    this.buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    this.slicers = this.buf as unknown as BufferSlicers;
  }

  /** A field tag: a varint of at most 5 bytes that fits 32 bits. */
  tag(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw outOfRange(pos, 1, end);
    let byte = buf[pos++];
    if (byte < 0x80) {
      this.pos = pos;
      return byte;
    }
    let value = byte & 0x7f;
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= end) throw outOfRange(pos, 1, end);
      byte = buf[pos++];
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    if (pos >= end) throw outOfRange(pos, 1, end);
    byte = buf[pos++];
    if (byte > 0x0f) throw malformed(`invalid tag encoding at offset ${pos - 1}`);
    this.pos = pos;
    return (value | (byte << 28)) >>> 0;
  }

  /**
   * The length prefix of a length-delimited field (at most 5 bytes, below
   * 2^31). Returns where the payload ends, after checking that it ends inside
   * `end`; the reader is left at the payload's first byte.
   */
  delimited(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos >= end) throw outOfRange(pos, 1, end);
    let byte = buf[pos++];
    let length = byte & 0x7f;
    if (byte >= 0x80) {
      let shift = 7;
      for (;;) {
        if (pos >= end) throw outOfRange(pos, 1, end);
        byte = buf[pos++];
        if (shift === 28) {
          if (byte > 7) throw malformed(`invalid length encoding at offset ${pos - 1}`);
          length = (length | (byte << 28)) >>> 0;
          break;
        }
        length |= (byte & 0x7f) << shift;
        if (byte < 0x80) break;
        shift += 7;
      }
    }
    const payloadEnd = pos + length;
    if (payloadEnd > end) throw outOfRange(pos, length, end);
    this.pos = pos;
    return payloadEnd;
  }

  /**
   * Moves past the rest of a varint whose first 5 bytes have been read (up to
   * 10 bytes in all).
   */
  private skipVarintTail(pos: number, end: number): void {
    const buf = this.buf;
    for (let i = 0; i < 5; i++) {
      if (pos >= end) throw outOfRange(pos, 1, end);
      if (buf[pos++] < 0x80) {
        this.pos = pos;
        return;
      }
    }
    throw malformed(`invalid varint encoding at offset ${pos}`);
  }

  /** An int32 (or open enum) field: the low 32 bits of a varint, as a signed number. */
  int32(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw outOfRange(pos, 1, end);
      const byte = buf[pos++];
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    if (pos >= end) throw outOfRange(pos, 1, end);
    const byte = buf[pos++];
    value |= (byte & 0x0f) << 28;
    if (byte < 0x80) this.pos = pos;
    else this.skipVarintTail(pos, end);
    return value;
  }

  /**
   * An int64 varint, as its two 32-bit halves written to `out` (low unsigned,
   * high signed). Kept as two numbers so that a small value never becomes a
   * bigint.
   */
  int64(end: number, out: Int64Halves): void {
    const buf = this.buf;
    let pos = this.pos;
    let low = 0;
    let high = 0;
    let byte = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw outOfRange(pos, 1, end);
      byte = buf[pos++];
      low |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        out.low = low >>> 0;
        out.high = 0;
        return;
      }
    }
    if (pos >= end) throw outOfRange(pos, 1, end);
    byte = buf[pos++];
    low |= (byte & 0x7f) << 28;
    high = (byte & 0x7f) >> 4;
    for (let shift = 3; byte >= 0x80; shift += 7) {
      if (shift > 31) throw malformed(`invalid varint encoding at offset ${pos}`);
      if (pos >= end) throw outOfRange(pos, 1, end);
      byte = buf[pos++];
      high |= (byte & 0x7f) << shift;
    }
    this.pos = pos;
    out.low = low >>> 0;
    out.high = high | 0;
  }

  /** A bool varint (up to 10 bytes): true if any of its bits is set. */
  bool(end: number): boolean {
    const buf = this.buf;
    let pos = this.pos;
    let value = false;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw outOfRange(pos, 1, end);
      const byte = buf[pos++];
      if ((byte & 0x7f) !== 0) value = true;
      if (byte < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    throw malformed(`invalid varint encoding at offset ${pos}`);
  }

  /** A fixed64 (little-endian), as its two unsigned 32-bit halves written to `out`. */
  fixed64(end: number, out: Int64Halves): void {
    const buf = this.buf;
    const pos = this.pos;
    if (pos + 8 > end) throw outOfRange(pos, 8, end);
    this.pos = pos + 8;
    out.low = (buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16) | (buf[pos + 3] << 24)) >>> 0;
    out.high = (buf[pos + 4] | (buf[pos + 5] << 8) | (buf[pos + 6] << 16) | (buf[pos + 7] << 24)) >>> 0;
  }

  /** A double (fixed 8 bytes, little-endian). */
  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) throw outOfRange(pos, 8, end);
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  /** A length-delimited string; invalid UTF-8 throws, as proto3 requires. */
  string(end: number): string {
    const stop = this.delimited(end);
    const start = this.pos;
    this.pos = stop;
    return stop - start <= MAX_CACHED_STRING_BYTES ? this.cachedUtf8(start, stop) : this.utf8(start, stop);
  }

  /**
   * The UTF-8 text of `buf[start, stop)`, validated. Node's decoder turns
   * every invalid sequence into U+FFFD, so a result without one came from
   * valid UTF-8 and is the exact text; only a result with one (invalid bytes,
   * or a real U+FFFD) is decoded again by the strict decoder.
   */
  private utf8(start: number, stop: number): string {
    if (start === stop) return '';
    checkTextLength(stop - start, start);
    const text = this.slicers.utf8Slice(start, stop);
    if (text.indexOf('\uFFFD') === -1) return text;
    try {
      return strictUtf8.decode(this.buf.subarray(start, stop));
    } catch (error) {
      throw new OtlpDecodeError(`invalid protobuf ExportTraceServiceRequest: invalid UTF-8 in a string at offset ${start}`, {
        cause: error,
      });
    }
  }

  /**
   * A short string, from a cache of the ASCII strings seen in this body when
   * it is one of them. Keys, span names and enum-like values repeat in every
   * span of a request; handing back the same string saves the allocation, and
   * for attribute keys V8's interning of a new property name.
   */
  private cachedUtf8(start: number, stop: number): string {
    const buf = this.buf;
    const length = stop - start;
    if (length === 0) return '';
    const slot =
      (length * 31 + buf[start] * 7 + buf[stop - 1] * 131 + buf[start + (length >> 1)] * 17) & (STRING_CACHE_SLOTS - 1);
    const cached = this.stringCache[slot];
    if (cached.length === length) {
      let i = 0;
      while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) return cached;
    }
    const text = this.utf8(start, stop);
    // Same length as the bytes and valid: every byte was one ASCII character.
    if (text.length === length) this.stringCache[slot] = text;
    return text;
  }

  /** The bytes `buf[start, stop)` as lowercase hex (ids). */
  hex(start: number, stop: number): string {
    if (start === stop) return '';
    checkTextLength((stop - start) * 2, start);
    return this.slicers.hexSlice(start, stop);
  }

  /** The bytes `buf[start, stop)` as padded standard base64 (bytes values). */
  base64(start: number, stop: number): string {
    if (start === stop) return '';
    checkTextLength(Math.ceil((stop - start) / 3) * 4, start);
    return this.slicers.base64Slice(start, stop);
  }

  /**
   * Skips the value of a field this decoder does not read (an unknown field,
   * or a known one sent with another wire type), as protobufjs's skipType:
   * `depth` is the nesting depth of the message the field is in.
   */
  skip(wireType: number, fieldNumber: number, depth: number, end: number): void {
    if (depth > MAX_MESSAGE_DEPTH) throw malformed('max depth exceeded');
    if (fieldNumber === 0) throw malformed('illegal tag: field number 0');
    switch (wireType) {
      case VARINT: {
        const buf = this.buf;
        let pos = this.pos;
        do {
          if (pos >= end) throw outOfRange(pos, 1, end);
        } while (buf[pos++] & 0x80);
        this.pos = pos;
        return;
      }
      case FIXED64:
        this.skipBytes(8, end);
        return;
      case LEN:
        this.pos = this.delimited(end);
        return;
      case START_GROUP:
        for (;;) {
          const tag = this.tag(end);
          const nestedField = tag >>> 3;
          const nestedWireType = tag & 7;
          if (nestedField === 0) throw malformed('illegal tag: field number 0');
          if (nestedWireType === END_GROUP) {
            if (nestedField !== fieldNumber) throw malformed('invalid end group tag');
            return;
          }
          this.skip(nestedWireType, nestedField, depth + 1, end);
        }
      case FIXED32:
        this.skipBytes(4, end);
        return;
      default:
        throw malformed(`invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  private skipBytes(length: number, end: number): void {
    if (this.pos + length > end) throw outOfRange(this.pos, length, end);
    this.pos += length;
  }
}

/** The two halves of an int64 read by WireReader.int64. */
export interface Int64Halves {
  low: number;
  high: number;
}
