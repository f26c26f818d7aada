/**
 * Migration 0160: a day partition that has stopped receiving rows is merged
 * into one part by the engine itself, so point lookups open one part per
 * day. Checked on the real embedded engine: the migration sets the tables'
 * force-merge age; with that age lowered to a second (the mechanism is the
 * same, the test cannot wait an hour), a past day written in three inserts
 * becomes one part with no OPTIMIZE, its rows intact, while the schema's own
 * setting stays an hour on the other table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { createEmbeddedBackend } from '../../src/store/chdb-backend.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import type { ClickHouseBackend } from '../../src/store/index.js';

const DAY_MILLIS = 86_400_000;

async function partsOfDay(backend: ClickHouseBackend, table: string, day: string): Promise<number> {
  const [row] = await backend.query<{ parts: string }>(
    `SELECT toString(count()) AS parts FROM system.parts WHERE database = currentDatabase() AND table = {table:String} AND active AND partition = {day:String}`,
    { table, day },
  );
  return Number(row.parts);
}

describe('settled days are merged into one part (migration 0160)', () => {
  let dir: string;
  let backend: ClickHouseBackend;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-settled-days-'));
    backend = createEmbeddedBackend({ dataDir: join(dir, 'clickhouse') });
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
  });

  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets an hour of quiet, whole partitions only, on steps and executions', async () => {
    for (const table of ['steps', 'executions']) {
      const [{ statement }] = await backend.query<{ statement: string }>(`SHOW CREATE TABLE ${table}`);
      expect(statement).toMatch(/min_age_to_force_merge_seconds = 3600/);
      expect(statement).toMatch(/min_age_to_force_merge_on_partition_only = 1/);
    }
  });

  it('merges a past day written in three inserts into one part, without an OPTIMIZE, and keeps every row', async () => {
    await backend.command('ALTER TABLE steps MODIFY SETTING min_age_to_force_merge_seconds = 1');
    const dayStart = Math.floor((Date.now() - 3 * DAY_MILLIS) / DAY_MILLIS) * DAY_MILLIS;
    const day = new Date(dayStart).toISOString().slice(0, 10);
    for (let insert = 0; insert < 3; insert++) {
      await backend.command(
        `INSERT INTO steps (app_id, execution_id, span_id, start_time, end_time, reasoning)
SELECT 'settle-app', concat('exec-', toString(intDiv(number, 10))), concat('span-', {insert:String}, '-', toString(number)),
  fromUnixTimestamp64Milli({at:Int64}, 'UTC'), fromUnixTimestamp64Milli({at:Int64}, 'UTC'), 'settled'
FROM numbers(100)`,
        { insert: String(insert), at: String(dayStart + 3_600_000) },
      );
    }
    expect(await partsOfDay(backend, 'steps', day)).toBeGreaterThan(1);

    // The background merge runs when the engine next selects merges; wait for it, no deadline asserted.
    let parts = await partsOfDay(backend, 'steps', day);
    for (let attempt = 0; attempt < 240 && parts > 1; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      parts = await partsOfDay(backend, 'steps', day);
    }
    expect(parts).toBe(1);
    const [row] = await backend.query<{ rows: string; spans: string }>(
      `SELECT toString(count()) AS rows, toString(uniqExact(span_id)) AS spans FROM steps WHERE app_id = 'settle-app'`,
    );
    expect(row).toEqual({ rows: '300', spans: '300' });

    // The other table keeps the schema's hour.
    const [{ statement }] = await backend.query<{ statement: string }>('SHOW CREATE TABLE executions');
    expect(statement).toMatch(/min_age_to_force_merge_seconds = 3600/);
  }, 90_000);
});
