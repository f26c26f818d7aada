/**
 * Statistics over executions and steps: failure rates and step failures from
 * the materialized rollups (never raw rows), duration percentiles and the
 * summary from `executions`, and the catalog of pipelines and environments.
 * Every query is scoped to one app and fully parameterized.
 */
import type { ClickHouseBackend } from './backend.js';
import { Conditions, RANGE, READ_FINAL, resolvedStepMatch } from './sql.js';
import type { TimeRange } from './sql.js';

/** A time window plus the dashboard filters. */
export interface StatsFilter extends TimeRange {
  pipeline?: string;
  environment?: string;
}

export interface FailureRatePoint {
  pipeline: string;
  bucket_ms: string;
  executions: string;
  failed: string;
}

export interface Summary {
  executions: number;
  failed: number;
  avgDurationMs: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

export interface DurationPoint {
  bucketMillis: number;
  executions: number;
  avgDurationMs: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

export interface StepFailures {
  pipeline: string;
  name: string;
  total: number;
  failed: number;
}

export interface StepDuration {
  name: string;
  steps: number;
  failed: number;
  avgDurationMs: number;
  p50DurationMs: number;
  p95DurationMs: number;
}

export interface Catalog {
  pipelines: string[];
  environments: string[];
}

export interface StatsRepository {
  failureRate(appId: string, filter: StatsFilter, intervalSeconds: number): Promise<FailureRatePoint[]>;
  summary(appId: string, filter: StatsFilter): Promise<Summary>;
  durations(appId: string, filter: StatsFilter, intervalSeconds: number): Promise<DurationPoint[]>;
  /** Steps with the most failures in the window, most failures first. */
  topFailingSteps(appId: string, filter: StatsFilter, limit: number): Promise<StepFailures[]>;
  catalog(appId: string, range: TimeRange): Promise<Catalog>;
  /** Count, average, p50 and p95 duration per step name in the window, by name. */
  stepDurations(appId: string, filter: StatsFilter): Promise<StepDuration[]>;
}

const toNumber = (value: unknown) => (value === null || value === undefined || Number.isNaN(Number(value)) ? 0 : Number(value));

/** Conditions on a rollup's `bucket` column: whole buckets that start inside the window. */
function rollupWindow(appId: string, filter: StatsFilter, bucketStart: 'toStartOfMinute' | 'toStartOfHour'): Conditions {
  return new Conditions()
    .add('app_id = {appId:String}', { appId })
    .add(
      `bucket >= ${bucketStart}(fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC'))
  AND bucket < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')`,
      { fromMillis: filter.fromMillis, toMillis: filter.toMillis },
    )
    .addIf(filter.pipeline, 'pipeline = {pipeline:String}', 'pipeline')
    .addIf(filter.environment, 'environment = {environment:String}', 'environment');
}

/** Conditions on raw `executions` rows. */
function executionWindow(appId: string, filter: StatsFilter): Conditions {
  return new Conditions()
    .add('app_id = {appId:String}', { appId })
    .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
    .addIf(filter.pipeline, 'pipeline = {pipeline:String}', 'pipeline')
    .addIf(filter.environment, 'environment = {environment:String}', 'environment');
}

export interface StatsRepositoryOptions {
  /** Days the raw tables keep (XRAY_RETENTION_DAYS); windows inside them are counted from `executions`. Default 30. */
  rawRetentionDays?: number;
}

export function createStatsRepository(backend: ClickHouseBackend, options: StatsRepositoryOptions = {}): StatsRepository {
  const rawRetentionMillis = (options.rawRetentionDays ?? 30) * 86_400_000;
  return {
    async failureRate(appId, filter, intervalSeconds) {
      if (filter.fromMillis >= Date.now() - rawRetentionMillis) {
        // Inside the raw retention, `executions` itself is the cheaper source:
        // a per-minute rollup holds about one uniqExact state per execution
        // once traffic is spread over many pipelines and minutes, and merging
        // ~500k one-element hash sets costs 3-4x reading four narrow columns
        // of 500k rows (measured by `npm run bench`). Re-delivered rows are
        // counted once by uniqExact, as in the rollup.
        const where = executionWindow(appId, filter);
        return backend.query<FailureRatePoint>(
          `SELECT pipeline,
  toString(toUnixTimestamp(toStartOfInterval(start_time, toIntervalSecond({interval:UInt32}))) * 1000) AS bucket_ms,
  toString(uniqExact(execution_id)) AS executions,
  toString(uniqExactIf(execution_id, status = 'failed')) AS failed
FROM executions
WHERE ${where.sql}
GROUP BY pipeline, bucket_ms
ORDER BY pipeline, bucket_ms`,
          { ...where.params, interval: intervalSeconds },
        );
      }
      // Older windows: the per-minute rollup, kept longer than raw rows.
      const where = rollupWindow(appId, filter, 'toStartOfMinute');
      return backend.query<FailureRatePoint>(
        `SELECT pipeline,
  toString(toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({interval:UInt32}))) * 1000) AS bucket_ms,
  toString(uniqExactMerge(executions)) AS executions,
  toString(uniqExactIfMerge(failed)) AS failed
FROM pipeline_stats_1m
WHERE ${where.sql}
GROUP BY pipeline, bucket_ms
ORDER BY pipeline, bucket_ms`,
        { ...where.params, interval: intervalSeconds },
      );
    },

    async summary(appId, filter) {
      const where = executionWindow(appId, filter);
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT count() AS executions, countIf(status = 'failed') AS failed,
  avg(duration_ms) AS avg_ms, quantileExact(0.5)(duration_ms) AS p50_ms, quantileExact(0.95)(duration_ms) AS p95_ms
FROM executions FINAL
WHERE ${where.sql}
${READ_FINAL}`,
        where.params,
      );
      const row = rows[0] ?? {};
      return {
        executions: toNumber(row.executions),
        failed: toNumber(row.failed),
        avgDurationMs: toNumber(row.avg_ms),
        p50DurationMs: toNumber(row.p50_ms),
        p95DurationMs: toNumber(row.p95_ms),
      };
    },

    async durations(appId, filter, intervalSeconds) {
      // Percentiles need the raw durations (a rollup of quantile states would
      // double-count re-delivered rows); `executions` is one row per run and
      // its daily partitions bound the scan to the window.
      const where = executionWindow(appId, filter);
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT toUnixTimestamp(toStartOfInterval(start_time, toIntervalSecond({interval:UInt32}))) * 1000 AS bucket_ms,
  count() AS executions, avg(duration_ms) AS avg_ms,
  quantileExact(0.5)(duration_ms) AS p50_ms, quantileExact(0.95)(duration_ms) AS p95_ms
FROM executions FINAL
WHERE ${where.sql}
GROUP BY bucket_ms
ORDER BY bucket_ms
${READ_FINAL}`,
        { ...where.params, interval: intervalSeconds },
      );
      return rows.map((row) => ({
        bucketMillis: toNumber(row.bucket_ms),
        executions: toNumber(row.executions),
        avgDurationMs: toNumber(row.avg_ms),
        p50DurationMs: toNumber(row.p50_ms),
        p95DurationMs: toNumber(row.p95_ms),
      }));
    },

    async topFailingSteps(appId, filter, limit) {
      // From the hourly step rollup: whole hours that start in the window.
      const where = rollupWindow(appId, filter, 'toStartOfHour');
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT pipeline, name, uniqExactMerge(steps) AS total, uniqExactIfMerge(failed) AS failed
FROM step_stats_1h
WHERE ${where.sql}
GROUP BY pipeline, name
HAVING failed > 0
ORDER BY failed DESC, total DESC, pipeline, name
LIMIT {limit:UInt32}`,
        { ...where.params, limit },
      );
      return rows.map((row) => ({
        pipeline: String(row.pipeline),
        name: String(row.name),
        total: toNumber(row.total),
        failed: toNumber(row.failed),
      }));
    },

    async stepDurations(appId, filter) {
      // Exact percentiles over the raw steps of the window (a rollup of
      // quantile states would count a re-delivered batch twice; FINAL per
      // partition sees it once). Pipeline and environment are resolved at
      // read time, like every step filter.
      const where = new Conditions()
        .add('app_id = {appId:String}', { appId })
        .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
        .addIf(filter.pipeline, resolvedStepMatch('pipeline', 'pipeline'), 'pipeline')
        .addIf(filter.environment, resolvedStepMatch('environment', 'environment'), 'environment');
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT name, count() AS steps, countIf(status = 'failed') AS failed, avg(duration_ms) AS avg_ms,
  quantileExact(0.5)(duration_ms) AS p50_ms, quantileExact(0.95)(duration_ms) AS p95_ms
FROM steps FINAL
WHERE ${where.sql}
GROUP BY name
ORDER BY name
${READ_FINAL}`,
        where.params,
      );
      return rows.map((row) => ({
        name: String(row.name),
        steps: toNumber(row.steps),
        failed: toNumber(row.failed),
        avgDurationMs: toNumber(row.avg_ms),
        p50DurationMs: toNumber(row.p50_ms),
        p95DurationMs: toNumber(row.p95_ms),
      }));
    },

    async catalog(appId, range) {
      const rows = await backend.query<{ pipelines: string[]; environments: string[] }>(
        `SELECT arraySort(groupUniqArray(pipeline)) AS pipelines, arraySort(arrayFilter(e -> e != '', groupUniqArray(environment))) AS environments
FROM pipeline_stats_1m
WHERE app_id = {appId:String}
  AND bucket >= toStartOfMinute(fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC'))
  AND bucket < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')`,
        { appId, fromMillis: range.fromMillis, toMillis: range.toMillis },
      );
      return { pipelines: rows[0]?.pipelines ?? [], environments: rows[0]?.environments ?? [] };
    },
  };
}
