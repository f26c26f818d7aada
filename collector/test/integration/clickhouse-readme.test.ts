/**
 * The SQL examples of clickhouse/README.md, exactly as printed, on a real
 * engine with every migration applied: each runs, and the rollups' `_live`
 * example counts an execution stored a moment ago, before any rollup pass.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import { openTestBackend } from '../support/test-backend.js';

const README = join(DEFAULT_MIGRATIONS_DIR, '..', 'README.md');

/** Every statement of every ```sql block, without its final semicolon. */
function examples(): string[] {
  const text = readFileSync(README, 'utf8');
  return [...text.matchAll(/```sql\n([\s\S]*?)```/g)].flatMap((block) =>
    block[1]
      .split(/;\s*\n/)
      .map((statement) => statement.trim().replace(/;$/, ''))
      .filter((statement) => statement.length > 0),
  );
}

describe('clickhouse/README.md SQL examples', () => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-ch-readme-'));
    ({ backend, close } = await openTestBackend('embedded', dir));
    await applyMigrations(backend, loadMigrations(DEFAULT_MIGRATIONS_DIR));
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await backend.insert('executions', [
      { app_id: 'my-app', execution_id: 'readme-1', pipeline: 'loan', environment: 'prod', status: 'failed', start_time: now, end_time: now },
    ]);
  });
  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has examples, and each runs as printed', async () => {
    const statements = examples();
    expect(statements.length).toBeGreaterThanOrEqual(4);
    for (const statement of statements) await expect(backend.query(statement), statement).resolves.toBeInstanceOf(Array);
  });

  it('counts a just-stored execution through the _live example, before any rollup pass', async () => {
    const live = examples().find((statement) => statement.includes('pipeline_stats_1m_live'));
    expect(live).toBeDefined();
    const rows = await backend.query<{ pipeline: string; runs: number; failed: number }>(live!);
    expect(rows.map((row) => [row.pipeline, Number(row.runs), Number(row.failed)])).toEqual([['loan', 1, 1]]);
    // The bare rollup has not seen it yet: what the example's _live adds.
    const [bare] = await backend.query<{ n: string }>(`SELECT toString(count()) AS n FROM pipeline_stats_1m WHERE app_id = 'my-app'`);
    expect(bare.n).toBe('0');
  });
});
