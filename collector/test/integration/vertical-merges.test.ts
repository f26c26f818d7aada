/**
 * Migration 0190: merges of `steps` are vertical (one column at a time) at any
 * size, where ClickHouse's default waits for 131,072 rows. Checked on the
 * upgrade path of a store that already holds rows, on both backends: the
 * same merge of two wide parts gathers no column before the migration and
 * every column but the sorting key after it (the engine's GatheredColumns
 * counter), and the merged part holds every row.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import type { BackendKind } from '../support/collector-harness.js';
import { openTestBackend } from '../support/test-backend.js';

describe.each<BackendKind>(['embedded', 'server'])('vertical merges of steps (migration 0190, %s backend)', (kind) => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
  const before = migrations.filter((migration) => migration.version < 190);

  const gatheredColumns = async (): Promise<number> => {
    const rows = await backend.query<{ value: string }>(`SELECT toString(value) AS value FROM system.events WHERE event = 'GatheredColumns'`);
    return rows.length === 0 ? 0 : Number(rows[0].value);
  };

  /** Two wide parts of 20,000 steps of `execution` (~250-byte inputs), merged into one; the columns the merge gathered one by one. */
  async function mergeTwoParts(execution: string): Promise<number> {
    await backend.command('SYSTEM STOP MERGES steps');
    for (const half of [0, 1]) {
      await backend.command(
        `INSERT INTO steps (app_id, execution_id, span_id, start_time, end_time, input)
SELECT 'vertical-app', {execution:String}, toString(number), now64(3), now64(3), repeat(toString(cityHash64(number, {execution:String})), 12)
FROM numbers({from:UInt32}, 20000)`,
        { execution, from: half * 20000 },
      );
    }
    const gathered = await gatheredColumns();
    await backend.command('SYSTEM START MERGES steps');
    await backend.command('OPTIMIZE TABLE steps FINAL');
    const parts = await backend.query<{ type: string; rows: string }>(
      `SELECT part_type AS type, toString(rows) AS rows FROM system.parts
WHERE database = currentDatabase() AND table = 'steps' AND active AND partition = toString(toDate(now()))`,
    );
    expect(parts).toHaveLength(1);
    expect(parts[0].type).toBe('Wide');
    return (await gatheredColumns()) - gathered;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `xray-vertical-${kind}-`));
    ({ backend, close } = await openTestBackend(kind, dir));
    expect(before.length).toBeLessThan(migrations.length);
    await applyMigrations(backend, before);
  });

  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges horizontally before the migration and column by column after it, losing no row', async () => {
    expect(await mergeTwoParts('before')).toBe(0);

    await applyMigrations(backend, migrations);
    const [{ statement }] = await backend.query<{ statement: string }>('SHOW CREATE TABLE steps');
    expect(statement).toMatch(/vertical_merge_algorithm_min_rows_to_activate = 1/);
    const [{ columns }] = await backend.query<{ columns: string }>(
      `SELECT toString(count()) AS columns FROM system.columns WHERE database = currentDatabase() AND table = 'steps' AND NOT is_in_sorting_key`,
    );
    // The merge gathers every column outside the sorting key (the rows before and the new ones are merged together).
    expect(await mergeTwoParts('after')).toBeGreaterThanOrEqual(Number(columns) - 1);

    const [row] = await backend.query<{ rows: string; executions: string }>(
      `SELECT toString(count()) AS rows, toString(uniqExact(execution_id)) AS executions FROM steps WHERE app_id = 'vertical-app'`,
    );
    expect(row).toEqual({ rows: '80000', executions: '2' });
  });
});
