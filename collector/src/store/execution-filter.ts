/**
 * The WHERE conditions of the executions list's filters (pipeline, status,
 * environment, a step's name, words of a step's reasoning), shared by every
 * read that takes "the same filters as the list": the list itself, the live
 * tail and the export. Values are bound parameters.
 */
import { Conditions, RANGE } from './sql.js';
import { addSearch } from './step-search.js';
import type { TimeRange } from './sql.js';
import type { QueryParams } from './backend.js';

export interface ExecutionFilter extends TimeRange {
  pipeline?: string;
  status?: string;
  environment?: string;
  /** Only executions with a step of this name. */
  stepName?: string;
  /** Only executions with a step matching this search (step-search.ts: reasoning, error message, input, output). */
  reasoning?: string;
  /** Only executions carrying every one of these `key=value` pairs (an attribute, or a top-level metadata key). */
  businessKeys?: readonly string[];
  /**
   * What migration 0130's index lists for every one of `businessKeys`, looked up beforehand
   * (businessKeyLookupQuery): bound as parameters instead of the lookup subqueries. `has` still decides.
   */
  businessKeyHits?: BusinessKeyHits;
  /** Only executions whose id starts with this (what `xray show <prefix>` resolves). */
  idPrefix?: string;
  /** Only executions whose id this subquery selects (e.g. the scores filter, scores/); its parameters travel with it. */
  idsFrom?: { sql: string; params: QueryParams };
}

/**
 * `has(business_keys, …)` for each `key=value` (migration 0055: a bloom-filter
 * index; the executions list adds migration 0130's lookup table in front). Parameter names
 * start with `prefix` so two uses in one query do not collide.
 */
export function businessKeyConditions(pairs: readonly string[] | undefined, prefix: string): { sql: string[]; params: Record<string, string> } {
  const sql: string[] = [];
  const params: Record<string, string> = {};
  (pairs ?? []).forEach((pair, index) => {
    sql.push(`has(business_keys, {${prefix}${index}:String})`);
    params[`${prefix}${index}`] = pair;
  });
  return { sql, params };
}

/** The executions the business-key index lists for every pair of a filter, and the days they started. */
export interface BusinessKeyHits {
  ids: string[];
  days: string[];
}

/**
 * At most this many executions are bound as parameters after a lookup; past
 * it (a key most executions carry, `channel=web`) the list reads through the
 * lookup subqueries instead.
 */
export const BUSINESS_KEY_BIND_LIMIT = 1000;

/**
 * The executions migration 0130's index lists for EVERY `key=value` of
 * `pairs`, with the days they started, within the range's days: one read of
 * `business_key_index` (ordered by app and pair, so a primary-key range per
 * pair, one granule of each part). At most BUSINESS_KEY_BIND_LIMIT + 1 rows:
 * more means "too many to bind". The list then binds them
 * (ExecutionFilter.businessKeyHits), so its statement prunes to those days'
 * partitions and those ids, and a key nothing carries costs this lookup only.
 *
 * @example
 * const { sql, params } = businessKeyLookupQuery('default', ['applicantId=A-1042'], range);
 */
export function businessKeyLookupQuery(appId: string, pairs: readonly string[], range: TimeRange): { sql: string; params: QueryParams } {
  const distinct = [...new Set(pairs)];
  const where = `app_id = {appId:String} AND key_value IN {pairs:Array(String)}
  AND day >= toDate(fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC'))
  AND day <= toDate(fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC'))`;
  const params = { appId, pairs: distinct, fromMillis: range.fromMillis, toMillis: range.toMillis, cap: BUSINESS_KEY_BIND_LIMIT + 1 };
  // One pair: its rows as they are (an aggregation costs more than the read itself at 1M).
  if (distinct.length === 1) return { sql: `SELECT execution_id, toString(day) AS hit_day FROM business_key_index\nWHERE ${where}\nLIMIT {cap:UInt32}`, params };
  return {
    sql: `SELECT execution_id, arrayJoin(groupUniqArray(toString(day))) AS hit_day FROM business_key_index
WHERE ${where}
GROUP BY execution_id
HAVING uniqExact(key_value) = {pairCount:UInt32}
LIMIT {cap:UInt32}`,
    params: { ...params, pairCount: distinct.length },
  };
}

/** The hits of businessKeyLookupQuery's rows (one per execution and day), or undefined when there are too many to bind. */
export function businessKeyHitsOf(rows: readonly { execution_id: string; hit_day: string }[]): BusinessKeyHits | undefined {
  if (rows.length > BUSINESS_KEY_BIND_LIMIT) return undefined;
  return { ids: [...new Set(rows.map((row) => row.execution_id))], days: [...new Set(rows.map((row) => row.hit_day))] };
}

/**
 * Conditions on `executions` for the app and the filter, time range included.
 *
 * @example
 * const where = executionFilterConditions('default', { fromMillis, toMillis, status: 'failed' });
 * await backend.query(`SELECT … FROM executions WHERE ${where.sql}`, where.params);
 */
export function executionFilterConditions(appId: string, filter: ExecutionFilter): Conditions {
  const where = new Conditions()
    .add('app_id = {appId:String}', { appId })
    .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
    .addIf(filter.pipeline, 'pipeline = {pipeline:String}', 'pipeline')
    .addIf(filter.status, 'status = {status:String}', 'status')
    .addIf(filter.environment, 'environment = {environment:String}', 'environment')
    .addIf(filter.idPrefix, 'startsWith(execution_id, {idPrefix:String})', 'idPrefix');
  if (filter.stepName || filter.reasoning) {
    const inner = new Conditions()
      .add('app_id = {appId:String}')
      .add(RANGE)
      .addIf(filter.stepName, 'name = {stepName:String}', 'stepName');
    addSearch(inner, filter.reasoning);
    where.add(`execution_id IN (SELECT execution_id FROM steps WHERE ${inner.sql})`, inner.params);
  }
  if (filter.idsFrom) where.add(`execution_id IN (${filter.idsFrom.sql})`, filter.idsFrom.params);
  // Each key through the index of migration 0130: only the days and ids it lists, bound when looked up
  // beforehand (the list), else as subqueries (live tail, export); `has` stays the exact check (an entry
  // outlives a key a re-delivered root dropped).
  const keys = businessKeyConditions(filter.businessKeys, 'businessKey');
  if (filter.businessKeyHits && keys.sql.length > 0) {
    where.add('toDate(start_time) IN {businessKeyDays:Array(Date)}', { businessKeyDays: filter.businessKeyHits.days });
    where.add('execution_id IN {businessKeyIds:Array(String)}', { businessKeyIds: filter.businessKeyHits.ids });
  }
  keys.sql.forEach((condition, index) => {
    if (!filter.businessKeyHits) {
      const indexed = `SELECT %s FROM business_key_index WHERE app_id = {appId:String} AND key_value = {businessKey${index}:String}`;
      where.add(`toDate(start_time) IN (${indexed.replace('%s', 'day')})`);
      where.add(`execution_id IN (${indexed.replace('%s', 'execution_id')})`);
    }
    where.add(condition);
  });
  Object.assign(where.params, keys.params);
  return where;
}
