/**
 * Migration 0170 on a store that already holds data (the upgrade path): the
 * rows stored before it were rolled up by the materialized views it drops,
 * the rows stored after it reach the rollups through the rollup job. Every
 * row must count exactly once, before and after the job's passes, on both
 * backends (the server one through the ClickHouse-HTTP stand-in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/config.js';
import { applyMigrations, loadMigrations } from '../../src/store/migrations.js';
import { createRollupJob, foldSql, ROLLUPS } from '../../src/store/rollups.js';
import type { RollupJob } from '../../src/store/rollups.js';
import { createStatsRepository } from '../../src/store/stats.js';
import type { StatsRepository } from '../../src/store/stats.js';
import type { ClickHouseBackend } from '../../src/store/index.js';
import type { BackendKind } from '../support/collector-harness.js';
import { openTestBackend } from '../support/test-backend.js';

const APP = 'upgrade-app';
const HOUR = 3_600_000;

describe.each<BackendKind>(['embedded', 'server'])('rollups across migration 0170 (%s backend)', (kind) => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  let job: RollupJob;
  let stats: StatsRepository;
  // Two whole hours ago: read from the rollups (whole hours), not from the raw edges.
  const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const window = { fromMillis: hour - HOUR, toMillis: hour + HOUR };

  /** `count` executions of `pipeline` in the hour, `failed` of them failed, each with one step named after its status. */
  async function store(pipeline: string, prefix: string, count: number, failed: number): Promise<void> {
    const at = (i: number) => new Date(hour + 60_000 + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
    const status = (i: number) => (i < failed ? 'failed' : 'completed');
    await backend.insert(
      'executions',
      Array.from({ length: count }, (_, i) => ({
        app_id: APP, execution_id: `${prefix}-${i}`, pipeline, environment: 'prod', status: status(i), start_time: at(i), end_time: at(i),
      })),
    );
    await backend.insert(
      'steps',
      Array.from({ length: count }, (_, i) => ({
        app_id: APP, execution_id: `${prefix}-${i}`, span_id: `${prefix}-${i}-s`, name: 'decide', pipeline, environment: 'prod', status: status(i),
        start_time: at(i), end_time: at(i),
      })),
    );
  }

  async function counts(pipeline: string) {
    const points = await stats.failureRate(APP, { ...window, pipeline }, 3600);
    const top = await stats.topFailingSteps(APP, { ...window, pipeline }, 10);
    return {
      executions: points.reduce((sum, p) => sum + Number(p.executions), 0),
      failed: points.reduce((sum, p) => sum + Number(p.failed), 0),
      steps: top.map((step) => [step.total, step.failed]),
    };
  }

  async function inRollup(pipeline: string): Promise<number> {
    const [row] = await backend.query<{ n: string }>(
      `SELECT toString(uniqExactMerge(executions)) AS n FROM pipeline_stats_1h WHERE app_id = {app:String} AND pipeline = {p:String}`,
      { app: APP, p: pipeline },
    );
    return Number(row.n);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-rollups-upgrade-'));
    ({ backend, close } = await openTestBackend(kind, dir));
    const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
    // The schema before 0170: the rollups' views fold these rows in as they are inserted.
    await applyMigrations(backend, migrations.filter((migration) => migration.version < 170));
    await store('before', 'old', 4, 1);
    expect(await inRollup('before')).toBe(4);

    const report = await applyMigrations(backend, migrations);
    expect(report.applied).toContain(170);
    job = createRollupJob(backend, { intervalMillis: 0, lagMillis: 0 });
    await job.load();
    stats = createStatsRepository(backend, { pendingSince: () => job.pendingSince() });
  });
  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('drops the rollup views and keeps the lookup views', async () => {
    const views = await backend.query<{ name: string }>(`SELECT name FROM system.tables WHERE engine = 'MaterializedView' ORDER BY name`);
    expect(views.map((row) => row.name)).toEqual(['business_key_index_mv', 'execution_days_from_executions_mv', 'execution_days_from_steps_mv']);
  });

  it('counts the rows the old views rolled up once, not again as pending, before and after a pass', async () => {
    expect(await counts('before')).toEqual({ executions: 4, failed: 1, steps: [[4, 1]] });
    await job.run();
    expect(await inRollup('before')).toBe(4);
    expect(await counts('before')).toEqual({ executions: 4, failed: 1, steps: [[4, 1]] });
  });

  it('counts rows stored after it at once, and folds them in with a pass', async () => {
    await store('after', 'new', 3, 2);
    // Also a late row of the old pipeline: it joins the rows the views folded in.
    await store('before', 'late', 1, 1);
    expect(await inRollup('after')).toBe(0);
    expect(await counts('after')).toEqual({ executions: 3, failed: 2, steps: [[3, 2]] });
    expect(await counts('before')).toEqual({ executions: 5, failed: 2, steps: [[5, 2]] });
    await job.run();
    expect(await inRollup('after')).toBe(3);
    expect(await inRollup('before')).toBe(5);
    expect(await counts('after')).toEqual({ executions: 3, failed: 2, steps: [[3, 2]] });
    expect(await counts('before')).toEqual({ executions: 5, failed: 2, steps: [[5, 2]] });
  });
});

describe.each<BackendKind>(['embedded', 'server'])('hourly counts across migration 0200 and collectors that predate it (%s backend)', (kind) => {
  let dir: string;
  let backend: ClickHouseBackend;
  let close: () => Promise<void>;
  const hour = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
  const window = { fromMillis: hour - HOUR, toMillis: hour + HOUR };

  async function store(prefix: string, count: number, failed: number): Promise<void> {
    const at = (i: number) => new Date(hour + 60_000 + i * 1000).toISOString().replace('T', ' ').replace('Z', '');
    await backend.insert(
      'executions',
      Array.from({ length: count }, (_, i) => ({
        app_id: APP, execution_id: `${prefix}-${i}`, pipeline: 'p', environment: 'prod', status: i < failed ? 'failed' : 'completed', start_time: at(i), end_time: at(i),
      })),
    );
  }

  /** What a collector without the counts does in a pass: folds the sets and moves only their own watermark. */
  async function passWithoutCounts(): Promise<void> {
    const [row] = await backend.query<{ t: string }>(`SELECT toString(toUnixTimestamp64Milli(max(through))) AS t FROM rollup_progress WHERE name = 'rollups'`);
    for (const rollup of Object.keys(ROLLUPS) as (keyof typeof ROLLUPS)[]) await backend.command(foldSql(rollup), { from: Number(row.t) });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await backend.command(`INSERT INTO rollup_progress (name, through) SELECT 'rollups', now64(3)`);
  }

  async function inCounts(): Promise<number[]> {
    const [row] = await backend.query<{ n: string; f: string }>(
      `SELECT toString(sum(executions)) AS n, toString(sum(failed)) AS f FROM pipeline_counts_1h FINAL WHERE app_id = {app:String}`,
      { app: APP },
    );
    return [Number(row.n), Number(row.f)];
  }

  async function answered(): Promise<number[]> {
    const job = createRollupJob(backend, { intervalMillis: 0, lagMillis: 0 });
    await job.load();
    const points = await createStatsRepository(backend, { pendingSince: () => job.pendingSince() }).failureRate(APP, { ...window, pipeline: 'p' }, 3600);
    return [points.reduce((sum, p) => sum + Number(p.executions), 0), points.reduce((sum, p) => sum + Number(p.failed), 0)];
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'xray-counts-upgrade-'));
    ({ backend, close } = await openTestBackend(kind, dir));
    const migrations = loadMigrations(DEFAULT_MIGRATIONS_DIR);
    await applyMigrations(backend, migrations.filter((migration) => migration.version < 200));
    await store('old', 4, 1);
    await passWithoutCounts();
    expect((await applyMigrations(backend, migrations)).applied).toEqual([200]);
  });
  afterAll(async () => {
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts the hours the sets held when it ran, with the sets\' watermark', async () => {
    expect(await inCounts()).toEqual([4, 1]);
    const marks = await backend.query<{ name: string; t: string }>(
      `SELECT name, toString(max(through)) AS t FROM rollup_progress GROUP BY name ORDER BY name`,
    );
    expect(marks.map((m) => m.name)).toEqual(['pipeline_counts_1h', 'rollups']);
    expect(marks[0].t).toBe(marks[1].t);
    expect(await answered()).toEqual([4, 1]);
  });

  it('answers exactly after a collector that predates the counts folded rows past them, and the next pass recounts their hours', async () => {
    await store('later', 2, 2);
    await passWithoutCounts();
    // The sets hold the new rows and their watermark moved; the counts did not.
    expect(await inCounts()).toEqual([4, 1]);
    expect(await answered()).toEqual([6, 3]);

    const job = createRollupJob(backend, { intervalMillis: 0, lagMillis: 0 });
    await job.load();
    const pass = await job.run();
    expect(await inCounts()).toEqual([6, 3]);
    const [counts] = await backend.query<{ t: string }>(
      `SELECT toString(toUnixTimestamp64Milli(max(through))) AS t FROM rollup_progress WHERE name = 'pipeline_counts_1h'`,
    );
    expect(Number(counts.t)).toBe(pass.throughMillis);
    expect(await answered()).toEqual([6, 3]);
  });
});
