/**
 * XRAY_RETENTION_DAYS replaces the migrations' 30-day TTL on the raw tables,
 * on both backends; shortening it expires the days now out of range as
 * whole partitions while recent ones stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { readRetentionDays } from '../../src/store/index.js';
import { applyRetention } from '../../src/store/retention.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

const DAY = 86_400_000;

describe.each(['embedded', 'server'] as const)('retention (%s backend)', (backend) => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector({ backend, retentionDays: 45 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  const count = async (pipeline: string) =>
    Number((await harness.sql<{ n: number }>('SELECT count() AS n FROM steps WHERE pipeline = {p:String}', { p: pipeline }))[0].n);

  it('sets the TTL of executions and steps to the configured days at start-up', async () => {
    expect(await readRetentionDays(harness.store.backend, 'executions')).toBe(45);
    expect(await readRetentionDays(harness.store.backend, 'steps')).toBe(45);
  });

  it('keeps what is inside the retention and, once it is shortened, drops the days now outside it', async () => {
    const old = executionSpans({ pipeline: 'retention-old', startMs: Date.now() - 10 * DAY, steps: [{ name: 'a' }] });
    const recent = executionSpans({ pipeline: 'retention-recent', startMs: Date.now() - 2 * DAY, steps: [{ name: 'b' }] });
    const ancient = executionSpans({ pipeline: 'retention-ancient', startMs: Date.now() - 60 * DAY, steps: [{ name: 'c' }] });
    const body = jsonRequest([old.root, ...old.steps, recent.root, ...recent.steps, ancient.root, ...ancient.steps]);
    expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);
    // Already past the retention when it arrived: ClickHouse does not keep it. With
    // ttl_only_drop_parts the expired part is dropped in the background moments after
    // the insert, so wait for that (bounded) rather than race it on a loaded machine.
    for (let attempt = 0; attempt < 200 && (await count('retention-ancient')) > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await count('retention-ancient')).toBe(0);
    expect(await count('retention-old')).toBe(1);

    expect(await applyRetention(harness.store.backend, 7)).toEqual(['executions', 'steps', 'business_key_index']);
    expect(await readRetentionDays(harness.store.backend, 'steps')).toBe(7);
    // The business-key index expires with the rows it points to (its rows carry a day: one more).
    expect(await readRetentionDays(harness.store.backend, 'business_key_index')).toBe(8);
    expect(await applyRetention(harness.store.backend, 7)).toEqual([]); // unchanged: nothing to do
    // ClickHouse re-evaluates the TTL of existing parts in a background
    // mutation; wait for it (bounded), then merge so expiry happens now.
    for (let attempt = 0; attempt < 200; attempt++) {
      const pending = await harness.sql<{ n: number }>('SELECT count() AS n FROM system.mutations WHERE is_done = 0');
      if (Number(pending[0].n) === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await harness.store.backend.command('OPTIMIZE TABLE steps FINAL');
    await harness.store.backend.command('OPTIMIZE TABLE executions FINAL');
    expect(await count('retention-old')).toBe(0);
    expect(await count('retention-recent')).toBe(1);
    const executions = await harness.sql<{ pipeline: string }>(
      "SELECT pipeline FROM executions WHERE pipeline LIKE 'retention-%' ORDER BY pipeline",
    );
    expect(executions.map((row) => row.pipeline)).toEqual(['retention-recent']);
  });
});
