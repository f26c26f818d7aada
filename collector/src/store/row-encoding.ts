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
function badValue(rows: readonly object[], row: number, column: string, value: unknown, wanted: string): Error {
  if (value === undefined && !(column in rows[row])) return new Error(`rows of one insert must have the same columns: row ${row + 1} has no ${column}`);
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  return new RowEncodingError(`column ${column} of row ${row + 1} holds ${shown}, not ${wanted}`);
}

function writeColumn(out: BlockWriter, rows: readonly object[], column: string, type: WireType): void {
  const count = rows.length;
  if (type === 'String') {
    for (let i = 0; i < count; i++) {
      const value = (rows[i] as Record<string, unknown>)[column];
      if (typeof value !== 'string') throw badValue(rows, i, column, value, 'a string');
      out.string(value);
    }
  } else if (type === 'UInt32') {
    for (let i = 0; i < count; i++) {
      const value = (rows[i] as Record<string, unknown>)[column];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff_ffff) throw badValue(rows, i, column, value, 'a UInt32');
      out.uint32(value);
    }
  } else if (type === 'Float64') {
    for (let i = 0; i < count; i++) {
      const value = (rows[i] as Record<string, unknown>)[column];
      if (typeof value !== 'number') throw badValue(rows, i, column, value, 'a number');
      out.float64(value);
    }
  } else {
    // A Map column: each row's cumulative entry count, then every key, then every value.
    const keys: string[] = [];
    const values: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const map = (rows[i] as Record<string, unknown>)[column];
      if (typeof map !== 'object' || map === null) throw badValue(rows, i, column, map, 'a map of strings');
      for (const key in map) {
        keys.push(key);
        values.push((map as Record<string, unknown>)[key]);
      }
      out.uint64(keys.length);
    }
    for (const key of keys) out.string(key);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (typeof value !== 'string') throw new RowEncodingError(`column ${column} holds ${String(value)} under "${keys[i]}", not a string`);
      out.string(value);
    }
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
  const types = NATIVE_TABLES[table];
  if (!types) throw new Error(`no Native encoding for table ${table}`);
  const names = columns ? [...columns] : rows.length > 0 ? Object.keys(rows[0]) : [];
  for (const name of names) {
    if (!Object.hasOwn(types, name)) throw new RowEncodingError(`table ${table} has no column ${name} the collector writes`);
  }
  for (let i = 0; i < rows.length; i++) {
    let keys = 0;
    for (const _ in rows[i]) keys += 1;
    if (keys !== names.length) throw shapeError(names, rows[i]);
  }
  // Roughly the size of the rows' text, so a block rarely grows.
  const out = new BlockWriter(rows.length * 64 * names.length);
  out.varUInt(names.length);
  out.varUInt(rows.length);
  for (const name of names) {
    out.string(name);
    out.string(types[name]);
    writeColumn(out, rows, name, types[name]);
  }
  return { columns: names, payload: out.result() };
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
  const { columns, payload } = block;
  const days = new Set<string>();
  const executions = new Map<string, [string, string]>();
  for (const row of rows) {
    const { start_time: start, app_id: appId, execution_id: executionId } = row as { start_time?: unknown; app_id?: unknown; execution_id?: unknown };
    days.add(typeof start === 'string' ? start.slice(0, 10) : '');
    const pair: [string, string] = [String(appId ?? ''), String(executionId ?? '')];
    executions.set(`${pair[0]}\u0000${pair[1]}`, pair);
  }
  return { columns, payload, rows: rows.length, days: [...days], executions: [...executions.values()] };
}
