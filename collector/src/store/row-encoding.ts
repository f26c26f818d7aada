/**
 * Rows encoded for the embedded engine's insert.
 *
 * `executions` and `steps` go in as Native blocks, ClickHouse's own columnar
 * format: the fastest of what chDB's insert takes (~1.4x JSONCompactEachRow
 * at ~1,900-row batches, ~1.8x at ~6,700, engine CPU; bench/README.md,
 * `ingest`). The decode workers encode a large request's steps, so the main
 * thread only concatenates bytes; blocks of several requests with the same
 * columns concatenate into one insert. chDB's raw insert entry cuts a binary
 * payload at two consecutive newline bytes (chdb 3.4.0), so the embedded
 * backend hands Native blocks to the engine as a file (`INSERT ... FROM
 * INFILE`), which carries any bytes.
 *
 * Every other table's rows (a few at a time: apps, keys, audit entries) go
 * in as JSONCompactEachRow, one JSON array per row under one column list.
 *
 * Pure: no I/O and no chDB import (it runs in worker threads, where the
 * engine must never be loaded).
 */
import type { EncodedRows, ExecutionRow, StepRow } from '../contracts/rows.js';

/** The format `EncodedRows` payloads are in. */
export const ENCODED_ROWS_FORMAT = 'Native';

/**
 * Rows as JSONCompactEachRow under `columns` (the first row's keys when
 * omitted). The store's rows are built by one function per table, so they
 * share a shape; a row of another shape is refused rather than misplaced.
 *
 * @example
 * toJsonCompactEachRow([{ a: 1, b: 'x' }]); // { columns: ['a', 'b'], payload: <[1,"x"]\n> }
 */
export function toJsonCompactEachRow(rows: readonly object[], columns?: readonly string[]): { columns: string[]; payload: Buffer } {
  if (rows.length === 0) return { columns: [...(columns ?? [])], payload: Buffer.alloc(0) };
  const names = columns ? [...columns] : Object.keys(rows[0]);
  // One values array reused for every row and one JSON.stringify per row; the
  // shape check counts keys instead of listing them (Object.keys per row was
  // a tenth of the encoding: bench/README.md, `ingest`).
  const values: unknown[] = new Array(names.length);
  let payload = '';
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    let keys = 0;
    for (const _ in record) keys += 1;
    if (keys !== names.length) throw shapeError(names, record);
    for (let i = 0; i < names.length; i++) {
      const value = record[names[i]];
      if (value === undefined && !(names[i] in record)) throw shapeError(names, record);
      values[i] = value;
    }
    payload += JSON.stringify(values) + '\n';
  }
  return { columns: names, payload: Buffer.from(payload) };
}

function shapeError(names: readonly string[], record: object): Error {
  return new Error(`rows of one insert must have the same columns: expected ${names.join(', ')}, got ${Object.keys(record).join(', ')}`);
}

/**
 * The value types a Native block carries for X-Ray's rows. Columns the
 * tables hold as LowCardinality(String), DateTime64(9) or
 * Map(LowCardinality(String), String) travel as String and
 * Map(String, String): the engine converts a Native column to the table's
 * type on insert (as fast as sending the exact type, bench/README.md
 * `ingest`), and a time text it cannot read is refused there, as a data error.
 */
type WireType = 'String' | 'UInt32' | 'Float64' | 'Map(String, String)';

/** Every column of a row type, with its wire type: a new column without one does not compile. */
type WireTypes<Row> = { readonly [Column in keyof Required<Row>]: WireType };

const EXECUTION_WIRE_TYPES: WireTypes<ExecutionRow> = {
  app_id: 'String', execution_id: 'String', trace_id: 'String', root_span_id: 'String', pipeline: 'String',
  environment: 'String', service_name: 'String', status: 'String', start_time: 'String', end_time: 'String',
  duration_ms: 'Float64', step_count: 'UInt32', error_count: 'UInt32', dropped_steps: 'UInt32',
  error_message: 'String', metadata: 'String', final_outcome: 'String', attributes: 'Map(String, String)',
};

const STEP_WIRE_TYPES: WireTypes<StepRow> = {
  app_id: 'String', execution_id: 'String', trace_id: 'String', span_id: 'String', parent_span_id: 'String',
  sequence: 'UInt32', name: 'String', pipeline: 'String', environment: 'String', status: 'String',
  start_time: 'String', end_time: 'String', duration_ms: 'Float64', input: 'String', output: 'String',
  reasoning: 'String', error_type: 'String', error_message: 'String', error_stack: 'String', model: 'String',
  provider: 'String', input_tokens: 'UInt32', output_tokens: 'UInt32', cost_usd: 'Float64', cost_source: 'String',
  attributes: 'Map(String, String)',
};

/** The tables whose rows go in as Native blocks, with each column's wire type. */
export const NATIVE_TABLES: Readonly<Record<string, Readonly<Record<string, WireType>>>> = {
  executions: EXECUTION_WIRE_TYPES,
  steps: STEP_WIRE_TYPES,
};

/**
 * A value the insert format cannot carry (a number out of its column's
 * range, a value of the wrong type). Like a value ClickHouse refuses, it is
 * the sender's data, so the batcher confines it to the request that holds it.
 */
export class RowEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowEncodingError';
  }
}

/**
 * Writes `text` as UTF-8 at `offset` (room for it reserved), returning the
 * bytes written. Buffer's own `utf8Write`, which `buffer.write(text, offset,
 * 'utf8')` calls after checking its arguments: the checks were a tenth of the
 * encoding's time (a --cpu-prof of the collector under ingest).
 */
const utf8Write: (bytes: Buffer, text: string, offset: number) => number = (() => {
  const direct = (Buffer.prototype as unknown as { utf8Write?: (this: Buffer, text: string, offset: number, length: number) => number }).utf8Write;
  return direct
    ? (bytes: Buffer, text: string, offset: number) => direct.call(bytes, text, offset, bytes.length - offset)
    : (bytes: Buffer, text: string, offset: number) => bytes.write(text, offset, 'utf8');
})();

/** A growing byte buffer with the writes a Native block needs. */
class BlockWriter {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    // Not from Node's shared pool: a decode worker moves the payload's memory to the main thread.
    this.bytes = Buffer.allocUnsafeSlow(Math.max(capacity, 1024));
  }

  private reserve(size: number): void {
    if (this.length + size <= this.bytes.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.length + size));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  varUInt(value: number): void {
    this.reserve(10);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.bytes[this.length++] = value;
  }

  string(value: string): void {
    // At most 3 bytes of UTF-8 per UTF-16 unit: a short text's length fits one byte, written after it.
    const most = value.length * 3;
    if (most < 0x80) {
      this.reserve(most + 1);
      const written = utf8Write(this.bytes, value, this.length + 1);
      this.bytes[this.length] = written;
      this.length += written + 1;
      return;
    }
    const size = Buffer.byteLength(value, 'utf8');
    this.varUInt(size);
    this.reserve(size);
    this.length += utf8Write(this.bytes, value, this.length);
  }

  uint32(value: number): void {
    this.reserve(4);
    this.length = this.bytes.writeUInt32LE(value, this.length);
  }

  uint64(value: number): void {
    this.reserve(8);
    this.bytes.writeUInt32LE(value % 0x1_0000_0000, this.length);
    this.length = this.bytes.writeUInt32LE(Math.floor(value / 0x1_0000_0000), this.length + 4);
  }

  float64(value: number): void {
    this.reserve(8);
    this.length = this.bytes.writeDoubleLE(value, this.length);
  }

  raw(value: Uint8Array): void {
    this.reserve(value.length);
    this.bytes.set(value, this.length);
    this.length += value.length;
  }

  /** The bytes written, still backed by memory of their own. */
  result(): Buffer {
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * Why row `row` cannot go in `column`: a value the column cannot hold (the
 * sender's data), or no such key at all (a row of another shape, as
 * toJsonCompactEachRow refuses it: the collector's own mistake, not a data error).
 */
function badValue(record: object, row: number, column: string, value: unknown, wanted: string): Error {
  if (value === undefined && !(column in record)) return new Error(`rows of one insert must have the same columns: row ${row + 1} has no ${column}`);
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return new RowEncodingError(`column ${column} of row ${row + 1} holds ${shown}, not ${wanted}`);
}

const STRING = 0;
const UINT32 = 1;
const FLOAT64 = 2;
const MAP = 3;
const WIRE_CODES: Readonly<Record<WireType, number>> = { String: STRING, UInt32: UINT32, Float64: FLOAT64, 'Map(String, String)': MAP };

/** One column's bytes so far; a Map column keeps its offsets (`data`), keys and values apart until the block is put together. */
interface ColumnBytes {
  data: BlockWriter;
  keys?: BlockWriter;
  values?: BlockWriter;
  /** A Map column's entries so far (its offsets are cumulative). */
  entries: number;
}

/** Bytes a row takes in a column of each wire type, roughly: a column's first buffer holds this many times the rows expected. */
const BYTES_PER_ROW: Readonly<Record<number, number>> = { [STRING]: 24, [UINT32]: 4, [FLOAT64]: 8, [MAP]: 8 };

/** An empty column of wire type `code`, with room for about `expectedRows` rows. */
function columnBytes(code: number, expectedRows: number): ColumnBytes {
  const data = new BlockWriter(expectedRows * BYTES_PER_ROW[code]);
  if (code !== MAP) return { data, entries: 0 };
  return { data, keys: new BlockWriter(expectedRows * 16), values: new BlockWriter(expectedRows * 32), entries: 0 };
}

/**
 * A Native block of one table built row by row: each row's values go to
 * their columns' bytes as it is added, so the rows need not be kept (a
 * decode worker maps and adds each span's row and lets it go; holding a
 * request's rows until the end made the young generation copy and promote
 * them). Columns named `deferred` keep their values until `finish`, for
 * values known only once every row is in (a step's inherited pipeline);
 * `deferredValues` hands out their arrays to change. A value the column's
 * type cannot hold throws RowEncodingError from `add` (or `finish`, for a
 * deferred column); the builder is then unusable.
 *
 * @example
 * const block = new NativeBlockBuilder('steps', columns);
 * for (const row of rows) block.add(row);
 * const payload = block.finish();
 */
export class NativeBlockBuilder {
  readonly columns: readonly string[];
  private readonly types: WireType[];
  private readonly codes: number[];
  private readonly bytes: (ColumnBytes | undefined)[];
  private readonly deferred: (unknown[] | undefined)[];
  private count = 0;

  constructor(table: string, columns: readonly string[], options: { deferred?: readonly string[]; expectedRows?: number } = {}) {
    const types = NATIVE_TABLES[table];
    if (!types) throw new Error(`no Native encoding for table ${table}`);
    for (const name of columns) {
      if (!Object.hasOwn(types, name)) throw new RowEncodingError(`table ${table} has no column ${name} the collector writes`);
    }
    const expected = options.expectedRows ?? 256;
    this.columns = [...columns];
    this.types = columns.map((name) => types[name]);
    this.codes = this.types.map((type) => WIRE_CODES[type]);
    this.deferred = columns.map((name) => (options.deferred?.includes(name) ? [] : undefined));
    this.bytes = this.codes.map((code, c) => (this.deferred[c] ? undefined : columnBytes(code, expected)));
  }

  get rows(): number {
    return this.count;
  }

  /** The values of a deferred column so far, one per row (changing them changes the block). */
  deferredValues(column: string): unknown[] {
    const values = this.deferred[this.columns.indexOf(column)];
    if (!values) throw new Error(`column ${column} is not deferred`);
    return values;
  }

  add(row: object): void {
    const record = row as Record<string, unknown>;
    const { columns, codes, bytes } = this;
    for (let c = 0; c < columns.length; c++) {
      const value = record[columns[c]];
      const column = bytes[c];
      if (column === undefined) this.deferred[c]!.push(value);
      else this.write(column, codes[c], value, record, this.count, columns[c]);
    }
    this.count += 1;
  }

  private write(column: ColumnBytes, code: number, value: unknown, record: object, row: number, name: string): void {
    const out = column.data;
    if (code === STRING) {
      if (typeof value !== 'string') throw badValue(record, row, name, value, 'a string');
      out.string(value);
    } else if (code === UINT32) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw badValue(record, row, name, value, 'a UInt32');
      out.uint32(value);
    } else if (code === FLOAT64) {
      if (typeof value !== 'number') throw badValue(record, row, name, value, 'a number');
      out.float64(value);
    } else {
      // A Map column: each row's cumulative entry count, then every key, then every value.
      if (typeof value !== 'object' || value === null) throw badValue(record, row, name, value, 'a map of strings');
      for (const key in value) {
        const entry = (value as Record<string, unknown>)[key];
        if (typeof entry !== 'string') throw new RowEncodingError(`column ${name} holds ${String(entry)} under "${key}", not a string`);
        column.keys!.string(key);
        column.values!.string(entry);
        column.entries += 1;
      }
      out.uint64(column.entries);
    }
  }

  /** The block: its header, then each column's name, type and values. */
  finish(): Buffer {
    const { columns, types, codes, bytes } = this;
    let size = 16;
    for (let c = 0; c < columns.length; c++) {
      size += columns[c].length * 3 + 32;
      const column = bytes[c];
      if (column) size += column.data.length + (column.keys?.length ?? 0) + (column.values?.length ?? 0);
      else size += this.count * BYTES_PER_ROW[codes[c]];
    }
    const out = new BlockWriter(size);
    out.varUInt(columns.length);
    out.varUInt(this.count);
    for (let c = 0; c < columns.length; c++) {
      out.string(columns[c]);
      out.string(types[c]);
      let column = bytes[c];
      const values = this.deferred[c];
      if (values) {
        // Written now, through the same checks (the rows are gone: a missing value is a bad one).
        column = columnBytes(codes[c], values.length);
        for (let row = 0; row < values.length; row++) this.write(column, codes[c], values[row], { [columns[c]]: values[row] }, row, columns[c]);
      }
      out.raw(column!.data.result());
      if (column!.keys) out.raw(column!.keys.result());
      if (column!.values) out.raw(column!.values.result());
    }
    return out.result();
  }
}

/**
 * Rows of `executions` or `steps` as one Native block (ClickHouse's columnar
 * format) under `columns` (the first row's keys when omitted). Blocks of the
 * same columns concatenate into one insert. Throws RowEncodingError for a
 * column the table has no wire type for, a row of another shape, or a value
 * the column's type cannot hold.
 *
 * @example
 * toNativeBlock('steps', rows); // { columns: ['app_id', …], payload: <Native block> }
 */
export function toNativeBlock(table: string, rows: readonly object[], columns?: readonly string[]): { columns: string[]; payload: Buffer } {
  const names = columns ? [...columns] : rows.length > 0 ? Object.keys(rows[0]) : [];
  const block = new NativeBlockBuilder(table, names, { expectedRows: rows.length });
  for (let i = 0; i < rows.length; i++) {
    let keys = 0;
    for (const _ in rows[i]) keys += 1;
    if (keys !== names.length) throw shapeError(names, rows[i]);
  }
  for (const row of rows) block.add(row);
  return { columns: names, payload: block.finish() };
}

/**
 * The partition days and the executions of rows, in order of first
 * appearance, gathered as rows go by (EncodedRows `days` and `executions`).
 */
export class RowKeys {
  private readonly dayList = new Set<string>();
  private readonly executionList = new Map<string, [string, string]>();

  add(row: { start_time?: unknown; app_id?: unknown; execution_id?: unknown }): void {
    const { start_time: start, app_id: appId, execution_id: executionId } = row;
    this.dayList.add(typeof start === 'string' ? start.slice(0, 10) : '');
    const pair: [string, string] = [String(appId ?? ''), String(executionId ?? '')];
    const key = `${pair[0]}\u0000${pair[1]}`;
    if (!this.executionList.has(key)) this.executionList.set(key, pair);
  }

  get days(): string[] {
    return [...this.dayList];
  }

  get executions(): [string, string][] {
    return [...this.executionList.values()];
  }
}

/**
 * One request's rows of a table, as a Native block for `InsertOptions.encoded`:
 * the payload, its columns, the row count, the partition days and the
 * executions the rows belong to. Undefined for no rows, and for rows holding
 * a value the format cannot carry: they stay objects, and their insert
 * refuses them (RowEncodingError), confined to their request.
 *
 * @example
 * const encoded = encodeRows('steps', rows.steps); // { columns, payload, rows, days } | undefined
 */
export function encodeRows(table: string, rows: readonly object[]): EncodedRows | undefined {
  if (rows.length === 0) return undefined;
  let block: { columns: string[]; payload: Buffer };
  try {
    block = toNativeBlock(table, rows);
  } catch (error) {
    if (error instanceof RowEncodingError) return undefined;
    throw error;
  }
  const keys = new RowKeys();
  for (const row of rows) keys.add(row);
  return { columns: block.columns, payload: block.payload, rows: rows.length, days: keys.days, executions: keys.executions };
}
