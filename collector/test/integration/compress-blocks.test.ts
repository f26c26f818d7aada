/**
 * Migration 0180: parts of `steps` and `executions` written after it hold
 * compressed blocks of at most 256 KiB (the memory a merge or an insert
 * needs is a buffer of that size per column and part). Checked on the
 * upgrade path of a store that already holds rows, on both backends: the
 * blocks of the part files themselves are read from disk (each block's
 * header carries its uncompressed size), before and after the migration.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import type { BackendKind } from '../support/collector-harness.js';
import { openTestBackend } from '../support/test-backend.js';

const BLOCK_LIMIT = 262_144;
/** ClickHouse's compressed block: 16-byte checksum, method byte, compressed size (header included), uncompressed size. */
const CHECKSUM_BYTES = 16;

/** The largest uncompressed block in a column file of a wide part. */
function largestBlock(file: string): number {
  const bytes = readFileSync(file);
  let largest = 0;
  for (let at = 0; at + CHECKSUM_BYTES + 9 <= bytes.length; ) {
    const compressed = bytes.readUInt32LE(at + CHECKSUM_BYTES + 1);
    largest = Math.max(largest, bytes.readUInt32LE(at + CHECKSUM_BYTES + 5));
    at += CHECKSUM_BYTES + compressed;
  }
  return largest;
}

describe.each<BackendKind>(['embedded', 'server'])('compressed blocks of at most 256 KiB (migration 0180, %s backend)', (kind) => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
  const before = migrations.filter((migration) => migration.version < 180);

  /** Writes one wide part of `steps` (30,000 rows of ~500-byte input) for `execution`, and returns its largest `input` block. */
  async function writeStepsPart(execution: string): Promise<{ largest: number; rows: number }> {
    await backend.command(
      `INSERT INTO steps (app_id, execution_id, span_id, start_time, end_time, input)
SELECT 'blocks-app', {execution:String}, toString(number), now64(3), now64(3), repeat(toString(cityHash64(number, {execution:String})), 25)
FROM numbers(30000)`,
      { execution },
    );
    const [part] = await backend.query<{ path: string; type: string; rows: string }>(
      `SELECT path, part_type AS type, toString(rows) AS rows FROM system.parts
WHERE database = currentDatabase() AND table = 'steps' AND active
ORDER BY modification_time DESC, name DESC LIMIT 1`,
    );
    expect(part.type).toBe('Wide');
    const path = isAbsolute(part.path) ? part.path : join(dir, 'clickhouse', part.path);
    expect(readdirSync(path)).toContain('input.bin');
    return { largest: largestBlock(join(path, 'input.bin')), rows: Number(part.rows) };
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `xray-blocks-${kind}-`));
    ({ backend, close } = await openTestBackend(kind, dir));
    expect(before.length).toBeLessThan(migrations.length);
    await applyMigrations(backend, before);
    await backend.command('SYSTEM STOP MERGES steps');
  });

  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes larger blocks before the migration and at most 256 KiB after it, on the same table', async () => {
    const old = await writeStepsPart('before');
    expect(old.rows).toBe(30000);
    expect(old.largest).toBeGreaterThan(BLOCK_LIMIT);

    await applyMigrations(backend, migrations);
    for (const table of ['steps', 'executions']) {
      const [{ statement }] = await backend.query<{ statement: string }>(`SHOW CREATE TABLE ${table}`);
      expect(statement).toMatch(/max_compress_block_size = 262144/);
    }
    const fresh = await writeStepsPart('after');
    expect(fresh.rows).toBe(30000);
    expect(fresh.largest).toBeGreaterThan(0);
    expect(fresh.largest).toBeLessThanOrEqual(BLOCK_LIMIT);

    // Both parts read back whole: the engine reads either block size.
    const [row] = await backend.query<{ rows: string; bytes: string }>(
      `SELECT toString(count()) AS rows, toString(sum(length(input))) AS bytes FROM steps WHERE app_id = 'blocks-app'`,
    );
    expect(row.rows).toBe('60000');
    expect(Number(row.bytes)).toBeGreaterThan(60000 * 400);
  });
});
