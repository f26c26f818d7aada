/**
 * The embedded backend writes `executions` and `steps` as Native blocks
 * through a staged file (store/row-encoding.ts, store/chdb-backend.ts): the
 * wire types cover every column the engine expects from the collector, and
 * any text survives byte for byte, including what chDB's raw insert entry
 * cuts binary payloads at (two consecutive newline bytes).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import type { StepRow } from '../../src/contracts/rows.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import { encodeRows, NATIVE_TABLES, toNativeBlock } from '../../src/store/row-encoding.js';
import { openTestBackend } from '../support/test-backend.js';

const AWKWARD_TEXTS = [
  '',
  'x\n\ny',
  '\n\n\n\n',
  'tab\tquote"backslash\\ nul\u0000 end',
  'ünïcödé and 😀 emoji, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'é'.repeat(43),
  'long '.repeat(5_000),
];

function stepRow(i: number, text: string): StepRow {
  return {
    app_id: 'native', execution_id: `exec-${i % 3}`, trace_id: 'f'.repeat(32), span_id: i.toString(16).padStart(16, '0'), parent_span_id: '',
    // 2570 is 0x0a0a: two newline bytes inside a binary integer.
    sequence: i === 0 ? 2570 : i, name: `step ${text.slice(0, 20)}`, pipeline: 'native-pipeline', environment: 'test', status: 'completed',
    start_time: `2026-12-0${1 + (i % 2)} 10:00:00.${String(i).padStart(9, '0')}`, end_time: '2026-12-02 10:00:01.999999999',
    duration_ms: i + 0.25, input: text, output: JSON.stringify({ text }), reasoning: text, error_type: '', error_message: text, error_stack: '',
    model: '', provider: '', input_tokens: 0xffff_ffff, output_tokens: i, cost_usd: 1e-9 * i, cost_source: '',
    attributes: i % 2 === 0 ? {} : { [`key\n\n${i}`]: text, 'plain': 'v' },
  };
}

describe('Native inserts (embedded backend)', () => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-native-'));
    ({ backend, close } = await openTestBackend('embedded', dir));
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
  });
  afterAll(async () => {
    await close?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a wire type for every column the engine needs from the collector, and only for columns the tables have', async () => {
    for (const [table, types] of Object.entries(NATIVE_TABLES)) {
      const columns = await backend.query<{ name: string; default_kind: string }>(
        'SELECT name, default_kind FROM system.columns WHERE database = currentDatabase() AND table = {table:String}',
        { table },
      );
      const wire = Object.keys(types);
      const needed = columns.filter((column) => column.default_kind === '').map((column) => column.name);
      const insertable = columns.filter((column) => column.default_kind === '' || column.default_kind === 'DEFAULT').map((column) => column.name);
      expect(wire, `${table}: columns without a default`).toEqual(expect.arrayContaining(needed));
      expect(insertable, `${table}: columns that take a value`).toEqual(expect.arrayContaining(wire));
    }
  });

  it('writes the same bytes as the engine\'s own FORMAT Native for the same values and types', async () => {
    const rows = AWKWARD_TEXTS.map((text, i) => stepRow(i, text));
    const columns = Object.keys(NATIVE_TABLES.steps);
    // The engine as the oracle: the same rows read as JSON under each column's wire type, written back as Native.
    const types = columns.map((column) => `${column} ${NATIVE_TABLES.steps[column]}`).join(', ');
    const lines = rows.map((row) => JSON.stringify(columns.map((column) => (row as unknown as Record<string, unknown>)[column]))).join('\n');
    const oracle = new Session(join(dir, 'clickhouse'));
    try {
      const result = await oracle.queryBindAsync('SELECT * FROM format(JSONCompactEachRow, {types:String}, {lines:String})', { types, lines }, { format: 'Native' });
      expect(Buffer.from(result.bytes()).equals(toNativeBlock('steps', rows, columns).payload)).toBe(true);
    } finally {
      oracle.close();
    }
  });

  it('stores every text byte for byte, in object rows and worker-encoded blocks of one insert', async () => {
    const rows = AWKWARD_TEXTS.flatMap((text, i) => [stepRow(2 * i, text), stepRow(2 * i + 1, text)]);
    const encoded = encodeRows('steps', rows.slice(0, 8));
    expect(encoded).toBeDefined();
    await backend.insert('steps', rows.slice(8), { encoded: [encoded!] });

    const stored = await backend.query<Record<string, unknown>>(
      `SELECT * EXCEPT (inserted_at, business_keys, start_time, end_time), toString(start_time) AS start_time, toString(end_time) AS end_time
       FROM steps WHERE app_id = 'native' ORDER BY span_id`,
    );
    expect(stored).toHaveLength(rows.length);
    stored.forEach((row, i) => {
      const sent = rows[i];
      expect({ ...row, sequence: Number(row.sequence), input_tokens: Number(row.input_tokens), output_tokens: Number(row.output_tokens) }, `row ${i}`).toEqual(sent);
    });
  });

  it('leaves no staged file behind, after inserts that succeed and one the engine refuses', async () => {
    const staged = () => readdirSync(join(dir, 'clickhouse', 'insert-staging'));
    await backend.insert('steps', [stepRow(100, 'one more')]);
    await expect(backend.insert('steps', [{ ...stepRow(101, 'bad time'), start_time: 'not a time' }])).rejects.toThrow(/DateTime/);
    expect(staged()).toEqual([]);
  });
});
