/**
 * What ingest promises beyond a single request: concurrent requests are
 * coalesced into few large ClickHouse inserts while each is acknowledged only
 * once its own rows are stored, and what was acknowledged survives a restart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

function metricValue(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : 0;
}

describe('ingest', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'xray-durability-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('coalesces concurrent requests into few inserts and keeps every acknowledged row across a restart', async () => {
    const first = await startCollector({ dataDir, batch: { maxWaitMillis: 200 } });
    const executions = Array.from({ length: 40 }, (_, i) =>
      executionSpans({ pipeline: 'durable', steps: Array.from({ length: 50 }, (_, j) => ({ name: `s${i}-${j}` })) }),
    );
    const replies = await Promise.all(executions.map((e) => postJson(first.url, first.apiKey, jsonRequest([e.root, ...e.steps]))));
    expect(replies.map((r) => r.status)).toEqual(executions.map(() => 200));

    const metrics = await (await fetch(`${first.url}/metrics`)).text();
    const inserts = metricValue(metrics, /^xray_insert_batches_total\{outcome="ok"\} (\d+)/m);
    const rows = metricValue(metrics, /^xray_insert_batch_rows_sum (\d+)/m);
    expect(rows).toBeGreaterThanOrEqual(40 * 51);
    // 40 concurrent requests, at most half as many inserts: on average every
    // insert carried the rows of two or more requests. (How many exactly
    // depends on arrival timing, so the bound is loose on purpose.)
    expect(inserts).toBeGreaterThan(0);
    expect(inserts).toBeLessThanOrEqual(20);
    const apiKey = first.apiKey;
    await first.close();

    // Same data folder, new process state: everything acknowledged is there.
    const second = await startCollector({ dataDir });
    try {
      expect(second.apiKey).toBe(apiKey);
      const count = await second.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE pipeline = 'durable'");
      expect(Number(count[0].n)).toBe(40 * 50);
      const { body } = await getJson(second, '/api/v1/stats/summary?pipeline=durable');
      expect(body.executions).toBe(40);
      expect(second.store.migrations.applied).toEqual([]);
    } finally {
      await second.close();
    }
  });
});
