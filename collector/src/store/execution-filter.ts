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

/**
 * Only the executions migration 0130's index lists for the `key=value` bound
 * as {`param`}, and only their days: ONE lookup (a primary-key range of
 * `business_key_index`, ordered by app and pair) whose (day, id) set prunes
 * the daily partitions and min-max indexes of `executions` and narrows its
 * primary key (app_id, start_time, execution_id). Two IN subqueries (days,
 * then ids) read the index twice for the same answer.
 *
 * @example
 * where.add(businessKeyIndexCondition('businessKey0')); // with {businessKey0: 'applicantId=A-1042'} bound
 */
export function businessKeyIndexCondition(param: string): string {
  return `(toDate(start_time), execution_id) IN (
    SELECT day, execution_id FROM business_key_index WHERE app_id = {appId:String} AND key_value = {${param}:String})`;
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
  // Each key through the index of migration 0130 (businessKeyIndexCondition); `has` stays the exact
  // check (an entry outlives a key a re-delivered root dropped).
  const keys = businessKeyConditions(filter.businessKeys, 'businessKey');
  keys.sql.forEach((condition, index) => {
    where.add(businessKeyIndexCondition(`businessKey${index}`));
    where.add(condition);
  });
  Object.assign(where.params, keys.params);
  return where;
}
