/**
 * Statistics over executions and steps: failure rates (failure-rate.ts:
 * hourly rollup, raw edges), step failures from the hourly step rollup, duration percentiles and the
 * summary from `executions`, and the catalog of pipelines and environments.
 * Every query is scoped to one app and fully parameterized.
 */
import type { ClickHouseBackend } from './backend.js';
import type { QueryParams } from './backend.js';
import { failureRateQuery, pendingHoursQuery, planFailureRate } from './failure-rate.js';
import { rollupSource } from './rollups.js';
import { Conditions, RANGE, READ_FINAL_EXACT, resolvedStepMatch, wholeDayPartitions } from './sql.js';
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
  /** The rollup job's `pendingSince` (rollups.ts): where rows not folded into the rollups yet start; every row is read raw without it. */
  pendingSince?: () => number | undefined;
}

export function createStatsRepository(backend: ClickHouseBackend, options: StatsRepositoryOptions = {}): StatsRepository {
  const rawRetentionMillis = (options.rawRetentionDays ?? 30) * 86_400_000;
  const pendingSince = options.pendingSince ?? (() => 0);
  return {
    async failureRate(appId, filter, intervalSeconds) {
      // Whole hours from the hourly counts, the rest from raw rows (or the
      // per-minute rollup past the raw retention): failure-rate.ts.
      const options = { rawFromMillis: Date.now() - rawRetentionMillis, pendingSince: pendingSince() };
      // The hours rows not yet counted fall in, found first: each of the two statements then reads only what it must.
      const { hours } = planFailureRate(filter, intervalSeconds, options);
      let pendingHours: number[] | undefined;
      if (hours && options.pendingSince !== undefined) {
        const pending = pendingHoursQuery(appId, hours, options.pendingSince);
        pendingHours = (await backend.query<{ hour: number }>(pending.sql, pending.params)).map((row) => Number(row.hour));
      }
      const { sql, params } = failureRateQuery(appId, filter, intervalSeconds, { ...options, pendingHours });
      return backend.query<FailureRatePoint>(sql, params);
    },

    async summary(appId, filter) {
      const where = executionWindow(appId, filter);
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT count() AS executions, countIf(status = 'failed') AS failed,
  avg(duration_ms) AS avg_ms, quantileExact(0.5)(duration_ms) AS p50_ms, quantileExact(0.95)(duration_ms) AS p95_ms
FROM executions FINAL
WHERE ${where.sql}
${READ_FINAL_EXACT}`,
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
${READ_FINAL_EXACT}`,
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
      const source = rollupSource('step_stats_1h', pendingSince(), where.params);
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT pipeline, name, uniqExactMerge(steps) AS total, uniqExactIfMerge(failed) AS failed
FROM ${source}
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
        .addIf(filter.pipeline, resolvedStepMatch('pipeline', 'pipeline'), 'pipeline')
        .addIf(filter.environment, resolvedStepMatch('environment', 'environment'), 'environment');
      where.params.fromMillis = filter.fromMillis;
      where.params.toMillis = filter.toMillis;
      // Days wholly inside the window are selected by partition (no row
      // filter on start_time: ~15% of this query at 1M steps); only the edge days are
      // filtered row by row. One quantilesExact keeps one copy of the
      // durations for both percentiles.
      const wholeDays = wholeDayPartitions(filter);
      const pick = `SELECT name, status, duration_ms FROM steps FINAL WHERE ${where.sql}`;
      const rows = await backend.query<Record<string, unknown>>(
        `SELECT name, count() AS steps, countIf(status = 'failed') AS failed, avg(duration_ms) AS avg_ms,
  quantilesExact(0.5, 0.95)(duration_ms) AS percentiles
FROM (
  ${pick} AND _partition_id IN {wholeDays:Array(String)}
  UNION ALL
  ${pick} AND ${RANGE} AND _partition_id NOT IN {wholeDays:Array(String)}
)
GROUP BY name
ORDER BY name
${READ_FINAL_EXACT}`,
        { ...where.params, wholeDays },
      );
      return rows.map((row) => ({
        name: String(row.name),
        steps: toNumber(row.steps),
        failed: toNumber(row.failed),
        avgDurationMs: toNumber(row.avg_ms),
        p50DurationMs: toNumber((row.percentiles as unknown[] | undefined)?.[0]),
        p95DurationMs: toNumber((row.percentiles as unknown[] | undefined)?.[1]),
      }));
    },

    async catalog(appId, range) {
      const params: QueryParams = { appId, fromMillis: range.fromMillis, toMillis: range.toMillis };
      const source = rollupSource('pipeline_stats_1m', pendingSince(), params);
      const rows = await backend.query<{ pipelines: string[]; environments: string[] }>(
        `SELECT arraySort(groupUniqArray(pipeline)) AS pipelines, arraySort(arrayFilter(e -> e != '', groupUniqArray(environment))) AS environments
FROM ${source}
WHERE app_id = {appId:String}
  AND bucket >= toStartOfMinute(fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC'))
  AND bucket < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')`,
        params,
      );
      return { pipelines: rows[0]?.pipelines ?? [], environments: rows[0]?.environments ?? [] };
    },
  };
}
