/**
 * Step search on data written before migration 0140 (issue 11 item 2): a
 * store migrated up to migration 0100's four text indexes holds steps; then
 * migration 0140 replaces them by its two and materializes them for the old
 * parts. Every search of step-search.test.ts still finds those steps, through
 * the new indexes (EXPLAIN indexes = 1 names them and they prune granules),
 * on both backends (the server one through the ClickHouse-HTTP stand-in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { stepSearchQuery } from '../../src/store/executions.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import type { BackendKind } from '../support/collector-harness.js';
import { openTestBackend } from '../support/test-backend.js';

const APP = 'upgrade-app';
const OTHER = 'upgrade-other';

describe.each<BackendKind>(['embedded', 'server'])('step search after migration 0140 on older parts (%s backend)', (kind) => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  const now = Date.now();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-search-upgrade-'));
    ({ backend, close } = await openTestBackend(kind, dir));
    const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
    // The schema as migration 0100 left it (and what came before 0140).
    await applyMigrations(backend, migrations.filter((migration) => migration.version < 140));
    const before = await backend.query<{ name: string }>(`SELECT name FROM system.data_skipping_indices WHERE table = 'steps' AND type = 'text' ORDER BY name`);
    expect(before.map((row) => row.name)).toEqual(['error_message_words', 'input_words', 'output_words', 'reasoning_words']);

    // 20,000 ordinary steps (many granules), then the ones the searches look for, and another app's copies.
    await backend.command(
      `INSERT INTO steps (app_id, execution_id, span_id, start_time, end_time, reasoning, input, output, error_message)
SELECT {app:String}, concat('bulk-', toString(intDiv(number, 20))), concat('span-', toString(number)), now64(9), now64(9),
  'ordinary reasoning words', '{"a":1}', '{"b":2}', ''
FROM numbers(20000)`,
      { app: APP },
    );
    const rows = (app: string) => [
      { name: 'score', reasoning: 'Score 590 fell below the freshness Threshold of 600.', input: '{}', output: '{}', error_message: '' },
      { name: 'fetch', reasoning: 'fetched', input: '{"applicant":"A-1042","note":"credit score below limit"}', output: '{}', error_message: '' },
      { name: 'bureau', reasoning: '', input: '{}', output: '{}', error_message: 'Bureau unavailable: upstream timeout' },
      { name: 'decide', reasoning: 'decided', input: '{}', output: '{"decision":"rejected","reason":"thresholds exceeded"}', error_message: '' },
      // Each index joins two fields with a space: the last word of one and the first of the next are no phrase.
      { name: 'edges', reasoning: 'ends with alpha', input: '{"k":"gamma"}', output: 'delta first', error_message: 'beta begins' },
    ].map((row, i) => ({ ...row, app_id: app, execution_id: `old-${app}`, span_id: `old-${app}-${i}`, start_time: new Date(now).toISOString().replace('T', ' ').replace('Z', '') }));
    await backend.insert('steps', [...rows(APP), ...rows(OTHER)]);

    // Migration 0140: the two indexes replace the four, and the old parts get them.
    const report = await applyMigrations(backend, migrations);
    expect(report.applied).toContain(140);
    for (let i = 0; i < 600; i++) {
      const [pending] = await backend.query<{ n: string }>(`SELECT count() AS n FROM system.mutations WHERE table = 'steps' AND NOT is_done`);
      if (Number(pending.n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function search(q: string, app = APP): Promise<string[]> {
    const built = stepSearchQuery(app, { fromMillis: now - 86_400_000, toMillis: now + 60_000, reasoning: q }, 50);
    const rows = await backend.query<{ name: string }>(built.sql, built.params);
    return rows.map((row) => row.name).sort();
  }

  it('has the two indexes of migration 0140 and none of 0100, materialized for the old parts', async () => {
    const indexes = await backend.query<{ name: string; bytes: string }>(
      `SELECT name, data_compressed_bytes AS bytes FROM system.data_skipping_indices WHERE table = 'steps' AND type = 'text' ORDER BY name`,
    );
    expect(indexes.map((row) => row.name)).toEqual(['explanation_words', 'payload_words']);
    for (const index of indexes) expect(Number(index.bytes)).toBeGreaterThan(0);
  });

  it('finds what it found before: prefixes in reasoning and errors, words of input and output, phrases', async () => {
    expect(await search('thresh')).toEqual(['score']);
    expect(await search('resh')).toEqual([]);
    expect(await search('limit')).toEqual(['fetch']);
    expect(await search('thresholds')).toEqual(['decide']);
    expect(await search('upstr')).toEqual(['bureau']);
    expect(await search('"credit score below"')).toEqual(['fetch']);
    expect(await search('"below score credit"')).toEqual([]);
    expect(await search('A-1042')).toEqual(['fetch']);
    // A word of the output is not a prefix there; a phrase does not span two fields.
    expect(await search('thresho')).toEqual(['score']);
    expect(await search('"alpha beta"')).toEqual([]);
    expect(await search('"gamma delta"')).toEqual([]);
    expect(await search('"with alpha"')).toEqual(['edges']);
    expect(await search('"delta first"')).toEqual(['edges']);
    expect(await search('thresh', OTHER)).toEqual(['score']);
  });

  it('reads only the granules the new indexes select, on the old parts', async () => {
    const built = stepSearchQuery(APP, { fromMillis: now - 86_400_000, toMillis: now + 60_000, reasoning: 'upstr' }, 50);
    const lines = (await backend.query<{ explain: string }>(`EXPLAIN indexes = 1 ${built.sql}`, built.params)).map((row) => row.explain.trim());
    expect(lines).toContain('Name: explanation_words');
    expect(lines).toContain('Name: payload_words');
    const combined = lines.indexOf('Name: <Combined skip indexes>');
    const granules = /^Granules: (\d+)\/(\d+)$/.exec(lines.slice(combined).find((line) => line.startsWith('Granules:'))!)!;
    expect(Number(granules[1])).toBeLessThan(Number(granules[2]));
  });
});
