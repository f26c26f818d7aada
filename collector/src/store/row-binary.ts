/**
 * Rows (objects keyed by column name, as contracts/rows.ts describes them)
 * encoded as ClickHouse's RowBinary: the fastest insert format chDB takes
 * through its raw insert entry (bench/README.md, `ingest`), and one the main
 * thread never has to see: the decode workers encode a request's rows and
 * hand over the bytes (ingest/decode-pool.ts). RowBinary has no header, so
 * the payloads of several requests concatenate into one insert.
 *
 * The column types come from the table itself (`system.columns`, read once
 * at start-up after the migrations), never from a list kept here, so a
 * migration that changes a column changes the encoding with it. A table
 * with a column type this module does not know is not encoded at all
 * (`createRowBinaryEncoder` answers undefined) and goes in as text instead.
 *
 * Pure: no I/O, no chDB import (it runs in worker threads, where the engine
 * must never be loaded).
 */
import type { EncodedRows } from '../contracts/rows.js';

/** A column of an insert: its name and its ClickHouse type as `system.columns` spells it. */
export interface ColumnType {
  name: string;
  type: string;
}

/** How one table's rows are encoded: the insert's column list, in order, with their types. */
export interface RowBinarySchema {
  table: string;
  columns: ColumnType[];
}

/**
 * A value RowBinary cannot carry faithfully (a lone UTF-16 surrogate, which
 * UTF-8 cannot encode). Text formats have ClickHouse refuse such a row; here
 * the encoder refuses it, and the store reports it as ClickHouse would
 * (INCORRECT_DATA), so the batcher's isolation works alike.
 */
export class RowEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowEncodingError';
  }
}

/** Appends bytes to a buffer that grows as needed. */
class Writer {
  buffer: Buffer;
  offset = 0;

  constructor(initialBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, initialBytes));
  }

  ensure(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }

  varint(value: number): void {
    this.ensure(10);
    let rest = value;
    while (rest >= 0x80) {
      this.buffer[this.offset++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.buffer[this.offset++] = rest;
  }

  string(value: string): void {
    if (!value.isWellFormed()) throw new RowEncodingError(`a lone UTF-16 surrogate in ${JSON.stringify(value.slice(0, 40))}`);
    // Three bytes at most per UTF-16 unit: under 43 units the length fits one varint byte.
    if (value.length < 43) {
      this.ensure(1 + value.length * 3);
      const written = this.buffer.write(value, this.offset + 1, 'utf8');
      this.buffer[this.offset] = written;
      this.offset += 1 + written;
      return;
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.offset += this.buffer.write(value, this.offset, 'utf8');
  }

  /** The bytes written so far (a view; the writer is not reused after this). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

type Encode = (writer: Writer, value: unknown) => void;

const text = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));
const number = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

function fixed(bytes: number, write: (buffer: Buffer, value: number, offset: number) => void): Encode {
  return (writer, value) => {
    writer.ensure(bytes);
    write(writer.buffer, number(value), writer.offset);
    writer.offset += bytes;
  };
}

function int64(unsigned: boolean): Encode {
  return (writer, value) => {
    writer.ensure(8);
    const big = typeof value === 'bigint' ? value : BigInt(Math.trunc(number(value)));
    if (unsigned) writer.buffer.writeBigUInt64LE(BigInt.asUintN(64, big), writer.offset);
    else writer.buffer.writeBigInt64LE(BigInt.asIntN(64, big), writer.offset);
    writer.offset += 8;
  };
}

/**
 * DateTime64(P) from the rows' text form `YYYY-MM-DD hh:mm:ss[.fffffffff]`
 * (UTC): an Int64 count of 10^-P seconds. The seconds part of a batch's rows
 * repeats a lot, so its scaled value is kept between calls.
 */
function dateTime64(precision: number): Encode {
  const scale = 10n ** BigInt(precision);
  let cachedPrefix = '';
  let cachedLow = 0;
  let cachedHigh = 0;
  return (writer, value) => {
    const raw = text(value);
    const prefix = raw.slice(0, 19);
    if (prefix !== cachedPrefix) {
      const millis = Date.parse(`${prefix.slice(0, 10)}T${prefix.slice(11, 19)}Z`);
      if (Number.isNaN(millis)) throw new Error(`not a DateTime64 value: ${JSON.stringify(raw)}`);
      const scaled = BigInt.asUintN(64, BigInt(millis / 1000) * scale);
      cachedLow = Number(scaled & 0xffffffffn);
      cachedHigh = Number(scaled >> 32n);
      cachedPrefix = prefix;
    }
    const digits = raw.length > 20 ? raw.slice(20, 20 + precision) : '';
    const fraction = digits === '' ? 0 : Number(digits.padEnd(precision, '0'));
    // The fraction is below 10^9 < 2^32: add it to the low word with a carry.
    let low = cachedLow + fraction;
    let high = cachedHigh;
    if (low >= 0x100000000) {
      low -= 0x100000000;
      high = (high + 1) >>> 0;
    }
    writer.ensure(8);
    writer.buffer.writeUInt32LE(low, writer.offset);
    writer.buffer.writeUInt32LE(high, writer.offset + 4);
    writer.offset += 8;
  };
}

const isStringType = (type: string): boolean => type === 'String' || type === 'LowCardinality(String)';

/** The encoder of one ClickHouse type, or undefined when this module does not encode it. */
function encoderOf(type: string): Encode | undefined {
  if (isStringType(type)) return (writer, value) => writer.string(text(value));
  switch (type) {
    case 'UInt8':
    case 'Bool':
      return fixed(1, (buffer, value, offset) => buffer.writeUInt8(value & 0xff, offset));
    case 'UInt16':
      return fixed(2, (buffer, value, offset) => buffer.writeUInt16LE(value & 0xffff, offset));
    case 'UInt32':
      return fixed(4, (buffer, value, offset) => buffer.writeUInt32LE(value >>> 0, offset));
    case 'Int32':
      return fixed(4, (buffer, value, offset) => buffer.writeInt32LE(value | 0, offset));
    case 'UInt64':
      return int64(true);
    case 'Int64':
      return int64(false);
    case 'Float32':
      return fixed(4, (buffer, value, offset) => buffer.writeFloatLE(value, offset));
    case 'Float64':
      return fixed(8, (buffer, value, offset) => buffer.writeDoubleLE(value, offset));
  }
  const dateTime = /^DateTime64\((\d)(?:, '[^']*')?\)$/.exec(type);
  if (dateTime) return dateTime64(Number(dateTime[1]));
  const map = /^Map\((.+), (.+)\)$/.exec(type);
  if (map && isStringType(map[1]) && isStringType(map[2])) {
    return (writer, value) => {
      const record = (value ?? {}) as Record<string, unknown>;
      const keys = Object.keys(record);
      writer.varint(keys.length);
      for (const key of keys) {
        writer.string(key);
        writer.string(text(record[key]));
      }
    };
  }
  const array = /^Array\((.+)\)$/.exec(type);
  if (array && isStringType(array[1])) {
    return (writer, value) => {
      const items = Array.isArray(value) ? value : [];
      writer.varint(items.length);
      for (const item of items) writer.string(text(item));
    };
  }
  return undefined;
}

/** Encodes rows of one table as RowBinary under its column list. */
export type RowBinaryEncoder = (rows: readonly object[]) => Buffer;

/**
 * An encoder for `schema`'s columns, or undefined when one of them has a
 * type this module does not encode. Every row must carry every column (the
 * rows of a table are built by one function, so they share a shape).
 *
 * @example
 * const encode = createRowBinaryEncoder({ table: 't', columns: [{ name: 'a', type: 'String' }] });
 * encode?.([{ a: 'x' }]); // <Buffer 01 78>
 */
export function createRowBinaryEncoder(schema: RowBinarySchema): RowBinaryEncoder | undefined {
  const encoders: Encode[] = [];
  for (const column of schema.columns) {
    const encode = encoderOf(column.type);
    if (!encode) return undefined;
    encoders.push(encode);
  }
  const names = schema.columns.map((column) => column.name);
  return (rows) => {
    // ~200 bytes a step row without its payloads; the writer grows as needed.
    const writer = new Writer(rows.length * 256);
    let column = 0;
    try {
      for (const row of rows) {
        const record = row as Record<string, unknown>;
        for (column = 0; column < names.length; column++) {
          const value = record[names[column]];
          if (value === undefined && !(names[column] in record)) {
            throw new Error(`a ${schema.table} row has no ${names[column]} column: ${Object.keys(record).join(', ')}`);
          }
          encoders[column](writer, value);
        }
      }
    } catch (error) {
      if (error instanceof RowEncodingError) throw new RowEncodingError(`${schema.table}.${names[column]}: ${error.message}`);
      throw error;
    }
    return writer.bytes();
  };
}

/**
 * The schema of an insert of `rowColumns` (the keys the rows carry) into a
 * table whose columns are `tableColumns`, or undefined when a row column is
 * not in the table (ClickHouse would refuse the insert: let it say so).
 */
export function insertSchemaOf(table: string, rowColumns: readonly string[], tableColumns: readonly ColumnType[]): RowBinarySchema | undefined {
  const types = new Map(tableColumns.map((column) => [column.name, column.type]));
  const columns: ColumnType[] = [];
  for (const name of rowColumns) {
    const type = types.get(name);
    if (type === undefined) return undefined;
    columns.push({ name, type });
  }
  return { table, columns };
}

/**
 * Encodes whole batches of one table's rows for `InsertOptions.encoded`:
 * the payload, its column list (the rows' own keys, in their order), the row
 * count and the partition days. Undefined for no rows, or when the table
 * cannot take these rows as RowBinary (then they travel as objects).
 *
 * @example
 * const encodeSteps = createRowsEncoder('steps', await backend.tableColumns('steps'));
 * const encoded = encodeSteps(rows.steps); // { columns, payload, rows, days } | undefined
 */
export function createRowsEncoder(table: string, tableColumns: readonly ColumnType[]): (rows: readonly object[]) => EncodedRows | undefined {
  const encoders = new Map<string, RowBinaryEncoder | undefined>();
  return (rows) => {
    if (rows.length === 0) return undefined;
    const columns = Object.keys(rows[0]);
    const key = columns.join(',');
    if (!encoders.has(key)) {
      const schema = insertSchemaOf(table, columns, tableColumns);
      encoders.set(key, schema && createRowBinaryEncoder(schema));
    }
    const encode = encoders.get(key);
    if (!encode) return undefined;
    const days = new Set<string>();
    for (const row of rows) {
      const start = (row as { start_time?: unknown }).start_time;
      days.add(typeof start === 'string' ? start.slice(0, 10) : '');
    }
    let payload: Buffer;
    try {
      payload = encode(rows);
    } catch (error) {
      // Left as objects: the store's own encoding refuses them as ClickHouse would, for this request alone.
      if (error instanceof RowEncodingError) return undefined;
      throw error;
    }
    return { columns, payload, rows: rows.length, days: [...days] };
  };
}
