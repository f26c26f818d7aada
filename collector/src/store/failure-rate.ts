/**
 * The failure-rate query: executions and failed executions per pipeline per
 * bucket, as one SQL statement that reads each part of the window from the
 * cheapest source that is exact for it.
 *
 *   - whole hours, when the interval is a multiple of an hour:
 *     `pipeline_counts_1h` (migration 0200), one row of two numbers per
 *     pipeline, environment and hour whatever the traffic, recounted from the
 *     rows by the rollup job (rollups.ts); the hours that rows stored since
 *     its watermark fall in (found first by `pendingHoursQuery`) are read from
 *     `executions` itself;
 *   - the rest of the window (its partial first and last hours, or all of it
 *     for a finer interval): `executions` itself while inside the raw
 *     retention, read with FINAL per partition so a re-delivered execution
 *     counts once; older than that, the per-minute rollup (whole minutes).
 *
 * The sources cover disjoint time ranges and a duplicate of a row has the
 * row's start time, so the counts of the parts simply add up. A rollup is
 * read with the rows stored since the rollup job's watermark
 * (`rollupSource`, migration 0170), so nothing stored is missing from it.
 */
import type { QueryParams } from './backend.js';
import { READ_FINAL_EXACT } from './sql.js';
import type { TimeRange } from './sql.js';
import { rollupSource } from './rollups.js';

const HOUR_MILLIS = 3_600_000;

export interface FailureRateFilter extends TimeRange {
  pipeline?: string;
  environment?: string;
}

export interface FailureRateSources {
  /** Whole hours read from `pipeline_counts_1h` (the hours with rows not yet counted from `executions`), if any. */
  hours?: TimeRange;
  /** Ranges read from raw `executions`. */
  raw: TimeRange[];
  /** Ranges read from `pipeline_stats_1m` (older than the raw retention). */
  minutes: TimeRange[];
}

/**
 * Which source serves which part of the window.
 *
 * @example
 * planFailureRate({ fromMillis: 0, toMillis: 30 * 86_400_000 }, 3600, { rawFromMillis: 0 });
 * // { hours: { fromMillis: 0, toMillis: 2_592_000_000 }, raw: [], minutes: [] }
 */
export function planFailureRate(range: TimeRange, intervalSeconds: number, options: { rawFromMillis: number }): FailureRateSources {
  const rest: TimeRange[] = [];
  let hours: TimeRange | undefined;
  if (intervalSeconds % 3600 === 0) {
    const first = Math.ceil(range.fromMillis / HOUR_MILLIS) * HOUR_MILLIS;
    const last = Math.floor(range.toMillis / HOUR_MILLIS) * HOUR_MILLIS;
    if (first < last) {
      hours = { fromMillis: first, toMillis: last };
      if (range.fromMillis < first) rest.push({ fromMillis: range.fromMillis, toMillis: first });
      if (last < range.toMillis) rest.push({ fromMillis: last, toMillis: range.toMillis });
    }
  }
  if (!hours) rest.push(range);
  // A range starting inside the raw retention is read raw; an older one from the per-minute rollup, kept longer.
  const raw = rest.filter((part) => part.fromMillis >= options.rawFromMillis);
  const minutes = rest.filter((part) => part.fromMillis < options.rawFromMillis);
  return { hours, raw, minutes };
}

/** `column` in any of `ranges` (half-open, unix ms), with the parameters named `${name}From<i>` / `${name}To<i>`. */
function inRanges(column: string, ranges: TimeRange[], name: string, params: QueryParams, startOf = ''): string {
  return `(${ranges
    .map((part, i) => {
      params[`${name}From${i}`] = part.fromMillis;
      params[`${name}To${i}`] = part.toMillis;
      const from = `fromUnixTimestamp64Milli({${name}From${i}:Int64}, 'UTC')`;
      return `(${column} >= ${startOf ? `${startOf}(${from})` : from} AND ${column} < fromUnixTimestamp64Milli({${name}To${i}:Int64}, 'UTC'))`;
    })
    .join(' OR ')})`;
}

/**
 * The hours of `hours` that rows stored since `pendingSince` fall in: rows
 * `{ hour }` (unix seconds). The counts of those hours may not hold the rows
 * yet, so `failureRateQuery` reads them from the sets instead. Bounded to
 * the window, so a short window opens only its own days' partitions.
 *
 * @example
 * const { sql, params } = pendingHoursQuery('default', { fromMillis, toMillis }, job.pendingSince());
 */
export function pendingHoursQuery(appId: string, hours: TimeRange, pendingSince: number): { sql: string; params: QueryParams } {
  const params: QueryParams = { appId, pendingSince };
  return {
    sql: `SELECT DISTINCT toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC'))) AS hour
FROM executions
WHERE app_id = {appId:String} AND inserted_at >= fromUnixTimestamp64Milli({pendingSince:Int64}, 'UTC')
  AND ${inRanges('start_time', [hours], 'hours', params)}`,
    params,
  };
}

/**
 * Whole hours in `hours` as rows `(pipeline, b, n, f)`: from the counts,
 * except `pendingHours` (unix seconds), which are read from the raw rows
 * (FINAL: each execution once, as its newest version). The rollup sets
 * cannot serve them: a set keeps every id it was ever given, so a root sent
 * again with another status, pipeline or environment would count under both
 * versions until the next pass recounts the hour from the rows.
 */
function wholeHours(where: string, hours: TimeRange, bucket: string, rawBucket: string, pending: { since?: number; hours: number[] }, params: QueryParams): string {
  const inHours = inRanges('bucket', [hours], 'hours', params);
  // Groups whose executions all went elsewhere (a root sent again under another pipeline) keep a zero row.
  const counts = `SELECT pipeline, ${bucket} AS b, sum(executions) AS n, sum(failed) AS f
  FROM pipeline_counts_1h FINAL
  WHERE ${where} AND ${inHours} AND executions > 0`;
  if (pending.since === undefined || pending.hours.length === 0) return `${counts}\n  GROUP BY pipeline, b`;
  params.pendingHours = pending.hours;
  return `${counts} AND toUnixTimestamp(bucket) NOT IN {pendingHours:Array(UInt32)}
  GROUP BY pipeline, b
  UNION ALL
  ${rawCounts(
    where,
    `${inRanges('start_time', [hours], 'pendingRange', params)}
    AND toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC'))) IN {pendingHours:Array(UInt32)}`,
    rawBucket,
  )}`;
}

/** Rows `(pipeline, b, n, f)` counted from `executions` itself where `condition` holds (FINAL: each execution once, as its newest version). */
function rawCounts(where: string, condition: string, bucket: string): string {
  return `SELECT pipeline, ${bucket} AS b, count() AS n, countIf(status = 'failed') AS f
  FROM executions FINAL
  WHERE ${where} AND ${condition}
  GROUP BY pipeline, b`;
}

/**
 * The SQL of the failure rate over `filter`'s window in buckets of
 * `intervalSeconds`: rows `{ pipeline, bucket_ms, executions, failed }`
 * (decimal strings), ordered by pipeline and bucket.
 *
 * @example
 * const { sql, params } = failureRateQuery('default', { fromMillis, toMillis }, 3600, { rawFromMillis: Date.now() - 30 * 86_400_000 });
 */
export function failureRateQuery(
  appId: string,
  filter: FailureRateFilter,
  intervalSeconds: number,
  /**
   * pendingSince: the rollup job's (rollups.ts), undefined when nothing is pending; pendingHours: what
   * `pendingHoursQuery` found for the plan's whole hours (required with pendingSince when there are any).
   */
  options: { rawFromMillis: number; pendingSince: number | undefined; pendingHours?: number[] },
): { sql: string; params: QueryParams } {
  const plan = planFailureRate(filter, intervalSeconds, options);
  const params: QueryParams = { appId, interval: intervalSeconds };
  const filters: string[] = ['app_id = {appId:String}'];
  if (filter.pipeline) {
    filters.push('pipeline = {pipeline:String}');
    params.pipeline = filter.pipeline;
  }
  if (filter.environment) {
    filters.push('environment = {environment:String}');
    params.environment = filter.environment;
  }
  const where = filters.join(' AND ');
  const bucketOf = (column: string) => `toUnixTimestamp(toStartOfInterval(${column}, toIntervalSecond({interval:UInt32})))`;
  const hourBucket = intervalSeconds === 3600 ? 'toUnixTimestamp(bucket)' : bucketOf('bucket');
  const rawBucket = bucketOf("toDateTime(start_time, 'UTC')");
  if (plan.hours && options.pendingSince !== undefined && options.pendingHours === undefined) {
    throw new Error('failureRateQuery: pendingHours (pendingHoursQuery) is required while rows are pending');
  }
  const pending = { since: options.pendingSince, hours: options.pendingHours ?? [] };
  if (plan.hours && plan.raw.length === 0 && plan.minutes.length === 0 && (pending.since === undefined || pending.hours.length === 0)) {
    // Whole hours only (a window on hour boundaries), none pending: one
    // GROUP BY over the counts, without the outer sum over sources (10M steps,
    // in-process: 11.6 against 13.3 ms with it).
    return {
      sql: `SELECT pipeline, toString(b * 1000) AS bucket_ms, toString(n) AS executions, toString(f) AS failed
FROM (${wholeHours(where, plan.hours, hourBucket, rawBucket, pending, params)})
ORDER BY pipeline, b
${READ_FINAL_EXACT}`,
      params,
    };
  }
  const parts: string[] = [];
  if (plan.hours) parts.push(wholeHours(where, plan.hours, hourBucket, rawBucket, pending, params));
  if (plan.raw.length > 0) {
    parts.push(rawCounts(where, inRanges('start_time', plan.raw, 'raw', params), rawBucket));
  }
  if (plan.minutes.length > 0) {
    // Whole minutes that start in the range, as the per-minute rollup always answered.
    parts.push(`SELECT pipeline, ${bucketOf('bucket')} AS b, uniqExactMerge(executions) AS n, uniqExactIfMerge(failed) AS f
  FROM ${rollupSource('pipeline_stats_1m', options.pendingSince, params)}
  WHERE ${where} AND ${inRanges('bucket', plan.minutes, 'minutes', params, 'toStartOfMinute')}
  GROUP BY pipeline, b`);
  }
  return {
    sql: `SELECT pipeline, toString(b * 1000) AS bucket_ms, toString(sum(n)) AS executions, toString(sum(f)) AS failed
FROM (
  ${parts.join('\n  UNION ALL\n  ')}
)
GROUP BY pipeline, b
ORDER BY pipeline, b
${READ_FINAL_EXACT}`,
    params,
  };
}
