/**
 * Building blocks shared by the read queries: the settings every FINAL read
 * uses, the time-range condition, and a small builder that keeps WHERE
 * conditions and their bound parameters side by side (values never enter
 * SQL text).
 */
import type { QueryParams } from './backend.js';

/** A name SQL text may carry unquoted: a database, a cluster, a table or column the collector's own code spells. */
export const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A time window in unix milliseconds, `[fromMillis, toMillis)`. */
export interface TimeRange {
  fromMillis: number;
  toMillis: number;
}

/**
 * Settings for a FINAL read whose conditions are on what every version of a
 * row shares: its sorting key, its id, its start time.
 * `do_not_merge_across_partitions_select_final` lets FINAL run per partition
 * (safe: a duplicate has its original's start time, so it lives in the same
 * daily partition) so time ranges still prune partitions; without it FINAL
 * scans every day. `use_skip_indexes_if_final_exact_mode = 0` keeps a skip
 * index's selection (e.g. the execution id's bloom filter) as is instead of
 * re-adding every granule whose key range overlaps it: on those columns the
 * versions agree, so the index cannot leave a newer version out.
 */
export const READ_FINAL = 'SETTINGS do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 0';

/**
 * Settings for a FINAL read filtered on a column a later version of a row may
 * change (pipeline, environment, status, step name, texts): READ_FINAL, but a
 * skip index's selection is widened to every granule whose key range
 * overlaps it. Without that, `pipeline = 'a'` skips the granules holding a
 * root re-sent under pipeline `b`, and FINAL, seeing only the older version,
 * counts the execution under `a`.
 */
export const READ_FINAL_EXACT = 'SETTINGS do_not_merge_across_partitions_select_final = 1, use_skip_indexes_if_final_exact_mode = 1';

export const RANGE = `start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC')
  AND start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')`;

const DAY_MILLIS = 86_400_000;

/**
 * The partition ids (`YYYYMMDD`) of the UTC days lying wholly inside `range`:
 * `executions` and `steps` are partitioned by `toDate(start_time)`
 * (migration 0002), so `_partition_id IN (...)` selects those days' rows
 * without evaluating a time condition row by row.
 *
 * @example
 * wholeDayPartitions({ fromMillis: Date.UTC(2026, 0, 1, 12), toMillis: Date.UTC(2026, 0, 4) }); // ['20260102', '20260103']
 */
export function wholeDayPartitions(range: TimeRange): string[] {
  const days: string[] = [];
  for (let day = Math.ceil(range.fromMillis / DAY_MILLIS) * DAY_MILLIS; day + DAY_MILLIS <= range.toMillis; day += DAY_MILLIS) {
    days.push(new Date(day).toISOString().slice(0, 10).replaceAll('-', ''));
  }
  return days;
}

/**
 * Rows of `steps` whose pipeline (or environment) is `{param}` as resolved at
 * read time: the step's own value when it has one, else its execution's
 * newest (`FINAL`: a root sent again under another pipeline no longer
 * matches its old one). A step that arrived before or without its root was
 * stored with none; which request it travelled in must not change what a
 * filter finds. Needs {appId}, {fromMillis} and {toMillis} bound.
 */
export function resolvedStepMatch(column: 'pipeline' | 'environment', param: string): string {
  return `(${column} = {${param}:String} OR (${column} = '' AND execution_id IN (
    SELECT execution_id FROM executions FINAL
    WHERE app_id = {appId:String} AND ${column} = {${param}:String}
      AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') - INTERVAL 1 DAY
      AND start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC') + INTERVAL 1 DAY)))`;
}

/** Collects WHERE conditions and their parameters side by side. */
export class Conditions {
  readonly parts: string[] = [];
  readonly params: QueryParams = {};
  add(sql: string, params: QueryParams = {}): this {
    this.parts.push(sql);
    Object.assign(this.params, params);
    return this;
  }
  addIf(value: string | undefined, sql: string, name: string): this {
    if (value !== undefined && value !== '') this.add(sql, { [name]: value });
    return this;
  }
  get sql(): string {
    return this.parts.join('\n  AND ');
  }
}

export function numeric<T extends object>(row: T, keys: readonly (keyof T)[]): T {
  for (const key of keys) (row as Record<string, unknown>)[key as string] = Number(row[key]);
  return row;
}
