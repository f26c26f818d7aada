/**
 * Read queries over executions and their steps (statistics are in stats.ts). Every query takes the app id as
 * its first filter (it is the first column of every ordering key, and the
 * tenant boundary), and every value is a bound parameter.
 *
 * Rows written twice (a re-delivered OTLP batch) are seen once even before
 * ClickHouse has merged them away: a timeline reads every stored version of
 * its execution and steps in one statement and keeps the newest of each here
 * (executionTimelineQuery); other lookups by id take the newest version
 * (`ORDER BY inserted_at DESC LIMIT 1` / `LIMIT 1 BY`, cheaper than FINAL,
 * which merges whole ranges of every part it touches); pages drop duplicates
 * themselves so the engine can read their large columns lazily
 * (newestFirstPage); FINAL per partition where a query aggregates
 * (READ_FINAL in sql.ts).
 *
 * Point lookups by execution id go through `execution_days` (migration
 * 0040): the days holding the execution's rows, so only those partitions are
 * read. When it knows nothing (an entry past its TTL), the lookup falls back
 * to every partition: slower, never wrong.
 *
 * Order independence: a step stored without a pipeline or environment (it
 * arrived before or without its root) gets its execution's at read time, in
 * filters too (resolvedStepMatch), so it reads the same whatever the arrival
 * order; steps are ordered by their declared sequence, then start time and
 * span id (steps sent without a sequence are stored with 0).
 */
import type { ClickHouseBackend } from './backend.js';
import type { QueryParams } from './backend.js';
import { businessKeyConditions, businessKeyHitsOf, businessKeyLookupQuery, executionFilterConditions } from './execution-filter.js';
import type { BusinessKeyHits, ExecutionFilter } from './execution-filter.js';
import { Conditions, RANGE, numeric, resolvedStepMatch } from './sql.js';
import { addSearch } from './step-search.js';
import { usageOf } from './step-totals.js';
import type { TimeRange } from './sql.js';
import { groupBy } from '../group-by.js';

export type { TimeRange } from './sql.js';

export type { ExecutionFilter } from './execution-filter.js';

/** Position after the last row of a page: the row's start (unix ns, decimal) and id. */
export interface Cursor {
  startNanos: string;
  id: string;
}

export interface ExecutionRecord {
  execution_id: string;
  trace_id: string;
  root_span_id: string;
  pipeline: string;
  environment: string;
  service_name: string;
  status: string;
  start_ns: string;
  end_ns: string;
  duration_ms: number;
  step_count: number;
  error_count: number;
  dropped_steps: number;
  error_message: string;
  metadata: string;
  final_outcome: string;
  attributes: Record<string, string>;
  /** gen_ai usage of the execution's stored steps; set by list, get (with stored counts) and timeline. */
  usage?: ExecutionUsage;
}

/** What the executions list shows of an execution (api/presenters.ts toExecutionSummary). */
export type ExecutionSummaryRecord = Omit<ExecutionRecord, 'root_span_id' | 'metadata' | 'final_outcome' | 'attributes'>;

/** Tokens and cost summed over an execution's steps (each stored step once). */
export interface ExecutionUsage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The part of costUsd the price table estimated. */
  estimatedCostUsd: number;
}

export interface StepRecord {
  execution_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  sequence: number;
  name: string;
  pipeline: string;
  environment: string;
  status: string;
  start_ns: string;
  end_ns: string;
  duration_ms: number;
  input: string;
  output: string;
  reasoning: string;
  error_type: string;
  error_message: string;
  error_stack: string;
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cost_source: string;
  attributes: Record<string, string>;
}

export interface StepFilter extends TimeRange {
  name?: string;
  status?: string;
  pipeline?: string;
  environment?: string;
  /** A search (store/step-search.ts): every term in the step's reasoning, error message, input or output. */
  reasoning?: string;
  /** `key=value` pairs the step carries as attributes, or its execution carries (attributes or metadata). */
  businessKeys?: readonly string[];
}

/** One execution and its ordered steps (either may be missing: steps stored before their root). */
export interface Timeline {
  execution: ExecutionRecord | undefined;
  steps: StepRecord[];
  /** Its steps all came without a sequence: numbered here by read order (a search row reads their stored 0). */
  renumbered?: true;
}

export interface ExecutionsRepository {
  list(appId: string, filter: ExecutionFilter, limit: number, after?: Cursor): Promise<ExecutionRecord[]>;
  /** One execution; `storedCounts: false` skips recounting its steps (when the caller reads them anyway). */
  get(appId: string, executionId: string, options?: { storedCounts?: boolean }): Promise<ExecutionRecord | undefined>;
  /**
   * The execution's steps in order. `around` (the execution's own start and
   * end, when known) lets the read skip every daily partition more than a day
   * away from it.
   */
  steps(appId: string, executionId: string, around?: { startNanos: string; endNanos: string }): Promise<StepRecord[]>;
  /**
   * One execution and its ordered steps, read in one statement (pruned to
   * the execution's days); steps inherit the execution's pipeline and
   * environment where they have none, and the counts are the stored steps'.
   */
  timeline(appId: string, executionId: string): Promise<Timeline>;
  /**
   * The timelines of the app's executions with ids from `fromId` to `toId`
   * whose rows lie in `day` (YYYY-MM-DD), keyed by id, each as `timeline`
   * assembles it: the reply store's builder (api/reply-builder.ts) reads a
   * settled day this way, a range of the steps' primary key at a time.
   */
  timelinesOfDay(appId: string, day: string, fromId: string, toId: string): Promise<Map<string, Timeline>>;
  /**
   * The app's newest `limit` executions started at or after `fromMillis`,
   * with their summary columns only and stored counts, newest first (each
   * start time and id once, its newest version): what the list head
   * (api/list-head.ts) is built from.
   */
  newestSummaries(appId: string, fromMillis: number, limit: number): Promise<ExecutionSummaryRecord[]>;
  /** The executions of `ids` started after `afterNanos`, as `newestSummaries` reads them: the list head's refresh. */
  summariesOf(appId: string, ids: readonly string[], afterNanos: bigint): Promise<ExecutionSummaryRecord[]>;
  /** At most `limit` executions having a stored step started at or after `fromNanos`, each once: what the list head cannot take from ingest alone. */
  executionsWithStepsSince(appId: string, fromNanos: bigint, limit: number): Promise<string[]>;
  /** Steps matching a search; pipeline and environment filters match the execution's when a step has none. */
  searchSteps(appId: string, filter: StepFilter, limit: number, after?: Cursor): Promise<StepRecord[]>;
}

export const EXECUTION_COLUMNS = `execution_id, trace_id, root_span_id, pipeline, environment, service_name, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, step_count, error_count, dropped_steps, error_message, metadata, final_outcome, attributes`;

export const STEP_COLUMNS = `execution_id, trace_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, input, output, reasoning, error_type, error_message, error_stack, model, provider,
  input_tokens, output_tokens, cost_usd, cost_source, attributes`;

/** The columns of an execution the list answers with (its summary): EXECUTION_COLUMNS without the large ones. */
export const SUMMARY_COLUMNS = `execution_id, trace_id, pipeline, environment, service_name, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, step_count, error_count, dropped_steps, error_message`;

export const EXECUTION_NUMBERS = ['duration_ms', 'step_count', 'error_count', 'dropped_steps'] as const;
export const STEP_NUMBERS = ['sequence', 'duration_ms', 'input_tokens', 'output_tokens', 'cost_usd'] as const;

/** A step with gen_ai usage: tokens or a cost. */
export const HAS_USAGE = '(input_tokens > 0 OR output_tokens > 0 OR cost_usd > 0)';

/** Only the daily partitions `execution_days` lists for {executionId} (the IN subquery prunes partitions). */
const ITS_DAYS = `toDate(start_time) IN (SELECT day FROM execution_days WHERE app_id = {appId:String} AND execution_id = {executionId:String})`;

/** A built query: SQL text and its bound parameters. */
export interface BuiltQuery {
  sql: string;
  params: QueryParams;
}

/**
 * One execution by id, newest version. `pruned`: only the days
 * `execution_days` lists.
 *
 * @example
 * const { sql, params } = executionByIdQuery('default', 'exec-1', true);
 */
export function executionByIdQuery(appId: string, executionId: string, pruned: boolean): BuiltQuery {
  return {
    sql: `SELECT ${EXECUTION_COLUMNS} FROM executions
WHERE app_id = {appId:String} AND execution_id = {executionId:String}${pruned ? `\n  AND ${ITS_DAYS}` : ''}
ORDER BY inserted_at DESC
LIMIT 1`,
    params: { appId, executionId },
  };
}

/**
 * The steps of one execution in order: newest version of each span, ordered
 * by declared sequence, then start time and span id (steps sent without a
 * sequence are stored with 0, so they follow their start times).
 *
 * @example
 * const { sql, params } = timelineQuery('default', 'exec-1', { pruned: true });
 */
export function timelineQuery(
  appId: string,
  executionId: string,
  scope: { pruned: boolean; around?: { startNanos: string; endNanos: string } },
): BuiltQuery {
  const where = new Conditions().add('app_id = {appId:String} AND execution_id = {executionId:String}', { appId, executionId });
  if (scope.pruned) where.add(ITS_DAYS);
  if (scope.around) {
    where.add(
      `start_time >= fromUnixTimestamp64Nano({aroundStart:Int64}, 'UTC') - INTERVAL 1 DAY
  AND start_time <= fromUnixTimestamp64Nano({aroundEnd:Int64}, 'UTC') + INTERVAL 1 DAY`,
      { aroundStart: scope.around.startNanos, aroundEnd: scope.around.endNanos },
    );
  }
  return {
    sql: `SELECT * EXCEPT (order_time) FROM (
  SELECT ${STEP_COLUMNS}, start_time AS order_time FROM steps
  WHERE ${where.sql}
  ORDER BY inserted_at DESC
  LIMIT 1 BY span_id
)
ORDER BY sequence, order_time, span_id`,
    params: where.params,
  };
}

/**
 * An execution and its steps in ONE statement (each engine query has a fixed
 * cost, and chDB runs bound queries one at a time): rows `{ kind, id, row,
 * version }` where `row` is the execution's or a step's columns as a JSON
 * object (EXECUTION_COLUMNS / STEP_COLUMNS) and `version` its inserted_at in
 * ms. Every stored version comes back; the caller keeps the newest of each
 * (cheaper than `LIMIT 1 BY`, which reads every column before it can drop a
 * row). `pruned`: only the days `execution_days` lists.
 *
 * @example
 * const { sql, params } = executionTimelineQuery('default', 'exec-1', true);
 */
export function executionTimelineQuery(appId: string, executionId: string, pruned: boolean): BuiltQuery {
  return versionedRowsQuery(`app_id = {appId:String} AND execution_id = {executionId:String}${pruned ? `\n  AND ${ITS_DAYS}` : ''}`, {
    appId,
    executionId,
  });
}

/** Every stored version of the executions and steps `where` selects (the same condition on both tables), as executionTimelineQuery's rows, each with its execution id as `id`. */
function versionedRowsQuery(where: string, params: QueryParams): BuiltQuery {
  return {
    sql: `SELECT 'execution' AS kind, execution_id AS id, formatRowNoNewline('JSONEachRow', ${EXECUTION_COLUMNS}) AS row, toUnixTimestamp64Milli(inserted_at) AS version
FROM executions
WHERE ${where}
UNION ALL
SELECT 'step', execution_id, formatRowNoNewline('JSONEachRow', ${STEP_COLUMNS}), toUnixTimestamp64Milli(inserted_at)
FROM steps
WHERE ${where}`,
    params,
  };
}

/**
 * The rows of executionTimelineQuery for a range of one app's execution ids
 * (`fromId` to `toId`, bounds included) in one daily partition, each with its
 * execution id as `id`: a range of `steps`' primary key within the day, and
 * the day's partition of `executions`.
 *
 * @example
 * const { sql, params } = dayTimelinesQuery('default', '2026-11-30', 'exec-0001', 'exec-0500');
 */
export function dayTimelinesQuery(appId: string, day: string, fromId: string, toId: string): BuiltQuery {
  return versionedRowsQuery(
    `app_id = {appId:String} AND toDate(start_time) = {day:Date}
  AND execution_id >= {fromId:String} AND execution_id <= {toId:String}`,
    { appId, day, fromId, toId },
  );
}

/** Rows of one app in a time window: the start of every page's conditions. */
function appWindow(appId: string, range: TimeRange): Conditions {
  return new Conditions().add('app_id = {appId:String}', { appId }).add(RANGE, { fromMillis: range.fromMillis, toMillis: range.toMillis });
}

/**
 * A page of executions, newest first. See newestFirstPage for how
 * duplicates are removed.
 */
export function executionListQuery(
  appId: string,
  filter: ExecutionFilter,
  limit: number,
  after?: Cursor,
  dedupe: Dedupe = 'engine',
): BuiltQuery {
  // The list's filters, shared with the live tail and the export (execution-filter.ts).
  const where = executionFilterConditions(appId, filter);
  return newestFirstPage(`SELECT ${EXECUTION_COLUMNS} FROM executions`, 'execution_id', where, limit, after, dedupe);
}

/** Newest first, each start time and id once (its newest version), as the list pages. */
const NEWEST_FIRST_UNIQUE = `ORDER BY start_time DESC, execution_id DESC, inserted_at DESC
LIMIT 1 BY start_time, execution_id`;

/**
 * The app's newest `limit` executions from `fromMillis` on, summary columns
 * only. The table's order (app_id, start_time, execution_id) lets the engine
 * read the newest granules first.
 */
export function newestSummariesQuery(appId: string, fromMillis: number, limit: number): BuiltQuery {
  return {
    sql: `SELECT ${SUMMARY_COLUMNS} FROM executions
WHERE app_id = {appId:String} AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC')
${NEWEST_FIRST_UNIQUE}
LIMIT {limit:UInt32}`,
    params: { appId, fromMillis, limit },
  };
}

/** The executions of `ids` started after `afterNanos`, summary columns only, as newestSummariesQuery reads them. */
export function summariesOfQuery(appId: string, ids: readonly string[], afterNanos: bigint): BuiltQuery {
  return {
    sql: `SELECT ${SUMMARY_COLUMNS} FROM executions
WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)} AND start_time > fromUnixTimestamp64Nano({afterNanos:Int64}, 'UTC')
${NEWEST_FIRST_UNIQUE}`,
    params: { appId, ids: [...ids], afterNanos: afterNanos.toString() },
  };
}

/** The ids of at most `limit` executions having a step started at or after `fromNanos`. */
export function executionsWithStepsSinceQuery(appId: string, fromNanos: bigint, limit: number): BuiltQuery {
  return {
    sql: `SELECT DISTINCT execution_id FROM steps
WHERE app_id = {appId:String} AND start_time >= fromUnixTimestamp64Nano({fromNanos:Int64}, 'UTC')
LIMIT {limit:UInt32}`,
    params: { appId, fromNanos: fromNanos.toString(), limit },
  };
}

/**
 * Who removes a re-delivered row's duplicates from a page: the engine
 * (`LIMIT 1 BY` the row's key), or the caller (which then asks for
 * 2 x limit rows and keeps the first of each key). `LIMIT 1 BY` stops
 * ClickHouse's lazy materialization (read the sort columns, pick the page,
 * then read the other columns of the page's rows only): with it, a search
 * matching a large share of the window reads every match's input, output and
 * reasoning, 10-20x slower.
 */
export type Dedupe = 'engine' | 'caller';

/**
 * A page of `select` newest first by (start_time, idColumn), after the
 * cursor; newest version first among duplicates.
 */
function newestFirstPage(select: string, idColumn: string, where: Conditions, limit: number, after: Cursor | undefined, dedupe: Dedupe): BuiltQuery {
  if (after) {
    where.add(
      `(start_time, ${idColumn}) < (fromUnixTimestamp64Nano({afterNanos:Int64}, 'UTC'), {afterId:String})`,
      { afterNanos: after.startNanos, afterId: after.id },
    );
  }
  return {
    sql: `${select}
WHERE ${where.sql}
ORDER BY start_time DESC, ${idColumn} DESC, inserted_at DESC${dedupe === 'engine' ? `\nLIMIT 1 BY start_time, ${idColumn}` : ''}
LIMIT {limit:UInt32}`,
    params: { ...where.params, limit: dedupe === 'engine' ? limit : 2 * limit },
  };
}

/**
 * Steps matching a search, newest first. See newestFirstPage for how
 * duplicates are removed.
 */
export function stepSearchQuery(
  appId: string,
  filter: StepFilter,
  limit: number,
  after?: Cursor,
  dedupe: Dedupe = 'engine',
): BuiltQuery {
  return newestFirstPage(`SELECT ${STEP_COLUMNS} FROM steps`, 'span_id', stepConditions(appId, filter), limit, after, dedupe);
}

/** The conditions a step of the list meets (stepSearchQuery's, before the cursor). */
function stepConditions(appId: string, filter: StepFilter): Conditions {
  const where = appWindow(appId, filter)
    .addIf(filter.name, 'name = {name:String}', 'name')
    .addIf(filter.status, 'status = {status:String}', 'status')
    .addIf(filter.pipeline, resolvedStepMatch('pipeline', 'pipeline'), 'pipeline')
    .addIf(filter.environment, resolvedStepMatch('environment', 'environment'), 'environment');
  addSearch(where, filter.reasoning);
  // A step matches a key through its own attributes or its execution's (its newest root: FINAL, so keys a
  // root sent again no longer carries do not match). Written as one key-tuple set (not an OR) so each half
  // reads through an index: the bloom filter on steps, the primary key for the steps of the matching executions.
  const keys = businessKeyConditions(filter.businessKeys, 'stepKey');
  for (const condition of keys.sql) {
    where.add(
      `(execution_id, span_id) IN (
    SELECT execution_id, span_id FROM steps WHERE app_id = {appId:String} AND ${RANGE} AND ${condition}
    UNION ALL
    SELECT execution_id, span_id FROM steps WHERE app_id = {appId:String} AND ${RANGE}
      AND execution_id IN (SELECT execution_id FROM executions FINAL WHERE app_id = {appId:String} AND ${RANGE} AND ${condition}))`,
      keys.params,
    );
  }
  return where;
}

/** Whether a step filter tests a column a later version of a step may change (all but its window). */
function stepFilterReadsVersions(filter: StepFilter): boolean {
  return Boolean(filter.name || filter.status || filter.pipeline || filter.environment || filter.reasoning || filter.businessKeys?.length);
}

/** Whether an executions filter tests a column a later version of a root (or of its steps) may change. */
function executionFilterReadsVersions(filter: ExecutionFilter): boolean {
  return Boolean(filter.pipeline || filter.status || filter.environment || filter.stepName || filter.reasoning || filter.businessKeys?.length || filter.idsFrom);
}

/**
 * Rows of a page, grouped with every stored version of each: rows `{ id,
 * owner, start_ns }` (id: the execution id, or the step's span id; owner:
 * the execution id) of the groups `having` keeps. Read on the primary key: executions by id
 * within the page's times, steps by execution and span id within the
 * page's days.
 */
function pageVersionsQuery(table: 'executions' | 'steps', appId: string, keys: readonly PageKey[], having: string, params: QueryParams = {}): BuiltQuery {
  const starts = keys.map((key) => BigInt(key.startNs));
  const first = starts.reduce((a, b) => (b < a ? b : a)).toString();
  const last = starts.reduce((a, b) => (b > a ? b : a)).toString();
  const versions =
    table === 'executions'
      ? `start_time >= fromUnixTimestamp64Nano({pageFirst:Int64}, 'UTC') AND start_time <= fromUnixTimestamp64Nano({pageLast:Int64}, 'UTC')
  AND execution_id IN {pageIds:Array(String)}
GROUP BY start_time, execution_id`
      : `toDate(start_time) >= toDate(fromUnixTimestamp64Nano({pageFirst:Int64}, 'UTC')) AND toDate(start_time) <= toDate(fromUnixTimestamp64Nano({pageLast:Int64}, 'UTC'))
  AND execution_id IN {pageIds:Array(String)} AND span_id IN {pageSpans:Array(String)}
GROUP BY execution_id, span_id`;
  return {
    sql: `SELECT ${table === 'executions' ? 'execution_id' : 'span_id'} AS id, any(execution_id) AS owner, toString(toUnixTimestamp64Nano(max(start_time))) AS start_ns
FROM ${table}
WHERE app_id = {appId:String} AND ${versions}
HAVING ${having}`,
    params: {
      ...params,
      appId,
      pageFirst: first,
      pageLast: last,
      pageIds: [...new Set(keys.map((key) => key.executionId))],
      ...(table === 'steps' ? { pageSpans: keys.map((key) => key.id) } : {}),
    },
  };
}

/**
 * The rows of a page whose newest stored version no longer meets `where`.
 * A page's filters apply before `LIMIT 1 BY`, so until the engine merges a
 * row's versions, an older version that matched (a root or a step sent again
 * with another status) stands in for a newest one that does not; the list
 * drops those rows. First the page's rows stored more than once, reading
 * only key columns (nearly always none: the check ends there); then, for
 * those, `where` on every version: the newest one (argMax by inserted_at)
 * decides.
 *
 * @example
 * const stale = await staleRows(run, 'steps', appId, stepConditions(appId, filter), keys);
 */
async function staleRows(
  run: <T>(built: BuiltQuery) => Promise<T[]>,
  table: 'executions' | 'steps',
  appId: string,
  where: Conditions,
  keys: readonly PageKey[],
): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const versioned = await run<{ id: string; owner: string; start_ns: string }>(pageVersionsQuery(table, appId, keys, 'count() > 1'));
  if (versioned.length === 0) return new Set();
  const again = versioned.map((row) => ({ id: row.id, executionId: row.owner, startNs: row.start_ns }));
  const stale = await run<{ id: string }>(pageVersionsQuery(table, appId, again, `argMax(toUInt8(${where.sql}), inserted_at) = 0`, where.params));
  return new Set(stale.map((row) => row.id));
}

/** A row of a page, as staleRows looks it up. */
interface PageKey {
  startNs: string;
  id: string;
  executionId: string;
}

/** What an execution's stored steps count (storedCountsQuery): each step once, failed if any version failed. */
export interface StoredCounts extends ExecutionUsage {
  steps: number;
  failed: number;
}

/**
 * Sets a summary's step and error counts and usage from its stored steps'
 * `counts`, or from none stored (undefined): the root's own counts, no
 * usage. The root span may arrive alone (a SimpleSpanProcessor sends every
 * span on its own), so the counts it was written with can be short; the
 * sender's failures also cover failed steps it had to drop (a step cap), so
 * never fewer than those. Also the list head's rule (api/list-head.ts).
 */
export function applyStoredCounts(record: ExecutionSummaryRecord, counts: StoredCounts | undefined): void {
  if (counts) {
    record.step_count = counts.steps;
    record.error_count = Math.max(counts.failed, Number(record.error_count));
  }
  record.usage = {
    inputTokens: counts?.inputTokens ?? 0,
    outputTokens: counts?.outputTokens ?? 0,
    costUsd: counts?.costUsd ?? 0,
    estimatedCostUsd: counts?.estimatedCostUsd ?? 0,
  };
}

/**
 * The stored step count, failed steps and gen_ai usage of each execution of
 * a page, in one statement and one read of the page's steps (on the
 * (app_id, execution_id) key prefix, within the days the page spans plus a
 * day of slack either side). Each step counts once (grouped by span: a
 * re-delivered step is one step, failed if any stored version failed).
 * Two statements (counts, then usage of the steps having any) cost two
 * fixed costs and two reads of the same granules; one branch per day (only
 * that day's ids) made ClickHouse plan 30 reads and was 5x slower at 1M.
 *
 * @example
 * const { sql, params } = storedCountsQuery('default', page);
 */
export function storedCountsQuery(appId: string, records: readonly Pick<ExecutionRecord, 'execution_id' | 'start_ns' | 'end_ns'>[]): BuiltQuery {
  let first = records[0].start_ns;
  let last = records[0].end_ns;
  for (const record of records) {
    if (BigInt(record.start_ns) < BigInt(first)) first = record.start_ns;
    if (BigInt(record.end_ns) > BigInt(last)) last = record.end_ns;
  }
  return {
    sql: `SELECT execution_id, toString(count()) AS steps, toString(countIf(failed)) AS failed, toString(sum(step_input)) AS input_tokens,
  toString(sum(step_output)) AS output_tokens, sum(step_cost) AS cost_usd, sum(step_estimated) AS estimated_cost_usd
FROM (
  SELECT execution_id, span_id, max(status = 'failed') AS failed, any(input_tokens) AS step_input, any(output_tokens) AS step_output,
    any(cost_usd) AS step_cost, any(if(cost_source = 'estimated', cost_usd, 0)) AS step_estimated
  FROM steps
  WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}
    AND start_time >= fromUnixTimestamp64Nano({first:Int64}, 'UTC') - INTERVAL 1 DAY
    AND start_time <= fromUnixTimestamp64Nano({last:Int64}, 'UTC') + INTERVAL 1 DAY
  GROUP BY execution_id, span_id
)
GROUP BY execution_id`,
    params: { appId, ids: records.map((record) => record.execution_id), first, last },
  };
}

export function createExecutionsRepository(backend: ClickHouseBackend): ExecutionsRepository {
  const run = <T>(built: BuiltQuery) => backend.query<T>(built.sql, built.params);

  /**
   * A page without duplicates: 2 x limit rows deduplicated here (fast: the
   * engine may materialize lazily); only when duplicates leave the page short
   * while more rows exist, the engine deduplicates (`LIMIT 1 BY`).
   */
  async function pageIn<T extends { start_ns: string }>(build: (dedupe: Dedupe) => BuiltQuery, id: (row: T) => string, limit: number): Promise<T[]> {
    const rows = await run<T>(build('caller'));
    const seen = new Set<string>();
    const unique = rows.filter((row) => {
      const key = `${row.start_ns}/${id(row)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (unique.length >= limit || rows.length < 2 * limit) return unique.slice(0, limit);
    return run<T>(build('engine'));
  }

  /**
   * A newest-first page over `range`, read window by window from the newest
   * (the last day, then the rest) until the page is full. A query
   * over the whole range merges a sorted stream from every daily partition
   * and opens every part; when the newest day fills the page (a common word,
   * a busy pipeline), one partition is read instead of thirty. Duplicates of
   * a row share its start time, so they never straddle two windows.
   */
  async function page<T extends { start_ns: string }>(
    range: TimeRange,
    build: (window: TimeRange, dedupe: Dedupe, limit: number) => BuiltQuery,
    id: (row: T) => string,
    limit: number,
  ): Promise<T[]> {
    const rows: T[] = [];
    for (const window of newestFirstWindows(range)) {
      rows.push(...(await pageIn<T>((dedupe) => build(window, dedupe, limit - rows.length), id, limit - rows.length)));
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /**
   * A page of `limit` rows each of which is its newest version's: `read(n)`
   * reads a page of n rows; rows whose newest version no longer meets the
   * filter (`check`, staleRows) are dropped, and while that leaves the
   * page short and more rows exist, it is read again, at least twice as
   * many rows each time, so an app that sent many rows again with another
   * status costs a few rounds, not one per page of them (a row sent again is
   * rare: one check and no second read, nearly always). Each round drops at
   * least one row, so it ends.
   */
  async function newestVersionsOnly<T>(read: (n: number) => Promise<T[]>, check: (page: T[]) => Promise<Set<string>>, id: (row: T) => string, limit: number): Promise<T[]> {
    const dropped = new Set<string>();
    let asked = 0;
    for (;;) {
      asked = Math.max(limit + dropped.size, 2 * asked);
      const got = await read(asked);
      const rows = got.filter((row) => !dropped.has(id(row)));
      if (rows.length === 0) return rows;
      const stale = await check(rows);
      const fresh = stale.size === 0 ? rows : rows.filter((row) => !stale.has(id(row)));
      if (stale.size === 0 || fresh.length >= limit || got.length < asked) return fresh.slice(0, limit);
      for (const key of stale) dropped.add(key);
    }
  }

  /**
   * Replaces the step and error counts with those of the steps actually
   * stored, and adds the steps' summed gen_ai usage. The root span may
   * arrive alone (a SimpleSpanProcessor sends every span on its own), so the
   * counts it was written with can be short. One statement (storedCountsQuery):
   * each day's partition is read only for the executions of the page that
   * ran that day, on the (app_id, execution_id) key prefix.
   */
  async function withStoredCounts<T extends ExecutionSummaryRecord>(appId: string, records: T[]): Promise<T[]> {
    if (records.length === 0) return records;
    const stored = await run<{ execution_id: string; steps: string; failed: string; input_tokens: string; output_tokens: string; cost_usd: number; estimated_cost_usd: number }>(
      storedCountsQuery(appId, records),
    );
    const byId = new Map(stored.map((row) => [row.execution_id, row]));
    for (const record of records) {
      const row = byId.get(record.execution_id);
      applyStoredCounts(
        record,
        row && {
          steps: Number(row.steps),
          failed: Number(row.failed),
          inputTokens: Number(row.input_tokens),
          outputTokens: Number(row.output_tokens),
          costUsd: Number(row.cost_usd),
          estimatedCostUsd: Number(row.estimated_cost_usd),
        },
      );
    }
    return records;
  }

  /** The summary rows a statement reads, with their stored counts. */
  async function summariesWithCounts(appId: string, built: BuiltQuery): Promise<ExecutionSummaryRecord[]> {
    return withStoredCounts(appId, (await run<ExecutionSummaryRecord>(built)).map((row) => numeric(row, EXECUTION_NUMBERS)));
  }

  /** Pipeline and environment of each execution of `steps` that has a stored root, for read-time resolution. */
  async function resolveFromExecutions(appId: string, steps: StepRecord[]): Promise<StepRecord[]> {
    const unresolved = [...new Set(steps.filter((step) => step.pipeline === '' || step.environment === '').map((step) => step.execution_id))];
    if (unresolved.length === 0) return steps;
    const rows = await backend.query<{ execution_id: string; pipeline: string; environment: string }>(
      `SELECT execution_id, argMax(pipeline, inserted_at) AS pipeline, argMax(environment, inserted_at) AS environment
FROM executions
WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}
  AND toDate(start_time) IN (SELECT day FROM execution_days WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)})
GROUP BY execution_id`,
      { appId, ids: unresolved },
    );
    const byId = new Map(rows.map((row) => [row.execution_id, row]));
    for (const step of steps) inheritFrom(step, byId.get(step.execution_id));
    return steps;
  }

  /**
   * A list's business keys looked up in their index before the list's statement
   * (businessKeyLookupQuery), so that statement binds the ids and days; undefined
   * when the filter has none or they list too many executions to bind.
   */
  async function lookUpBusinessKeys(appId: string, filter: ExecutionFilter): Promise<BusinessKeyHits | undefined> {
    if (!filter.businessKeys?.length) return undefined;
    const lookup = businessKeyLookupQuery(appId, filter.businessKeys, filter);
    return businessKeyHitsOf(await backend.query<{ execution_id: string; hit_day: string }>(lookup.sql, lookup.params));
  }

  async function getExecution(appId: string, executionId: string): Promise<ExecutionRecord | undefined> {
    const rows = await run<ExecutionRecord>(executionByIdQuery(appId, executionId, true));
    const found = rows[0] ?? (await run<ExecutionRecord>(executionByIdQuery(appId, executionId, false)))[0];
    return found ? numeric(found, EXECUTION_NUMBERS) : undefined;
  }

  return {
    async list(appId, filter, limit, after) {
      // A step filter matches steps inside the window: a step just across a
      // window's edge from its execution would be missed, so those searches
      // take the whole range at once.
      // A business key names its days and ids through its index (looked up first, then bound; none: no
      // execution carries it): one statement over the range.
      const businessKeyHits = await lookUpBusinessKeys(appId, filter);
      if (businessKeyHits?.ids.length === 0) return [];
      const keyed = businessKeyHits ? { ...filter, businessKeyHits } : filter;
      const windowed = !filter.stepName && !filter.reasoning && !filter.businessKeys?.length;
      const id = (row: ExecutionRecord) => row.execution_id;
      const read = (n: number) =>
        windowed
          ? page<ExecutionRecord>(filter, (window, dedupe, rest) => executionListQuery(appId, { ...filter, ...window }, rest, after, dedupe), id, n)
          : pageIn<ExecutionRecord>((dedupe) => executionListQuery(appId, keyed, n, after, dedupe), id, n);
      const rows = executionFilterReadsVersions(filter)
        ? await newestVersionsOnly(read, (page) => staleRows(run, 'executions', appId, executionFilterConditions(appId, keyed), page.map((row) => ({ startNs: row.start_ns, id: row.execution_id, executionId: row.execution_id }))), id, limit)
        : await read(limit);
      return withStoredCounts(appId, rows.map((row) => numeric(row, EXECUTION_NUMBERS)));
    },

    async get(appId, executionId, options) {
      const record = await getExecution(appId, executionId);
      if (!record) return undefined;
      return options?.storedCounts === false ? record : (await withStoredCounts(appId, [record]))[0];
    },

    async steps(appId, executionId, around) {
      let rows = await run<StepRecord>(timelineQuery(appId, executionId, { pruned: !around, around }));
      if (rows.length === 0 && !around) rows = await run<StepRecord>(timelineQuery(appId, executionId, { pruned: false }));
      return rows.map((row) => numeric(row, STEP_NUMBERS));
    },

    async timeline(appId, executionId) {
      let rows = await run<VersionedRow>(executionTimelineQuery(appId, executionId, true));
      if (rows.length === 0) rows = await run<VersionedRow>(executionTimelineQuery(appId, executionId, false));
      return assembleTimeline(rows);
    },

    async timelinesOfDay(appId, day, fromId, toId) {
      const rows = await run<VersionedRow>(dayTimelinesQuery(appId, day, fromId, toId));
      return new Map([...groupBy(rows, (row) => row.id)].map(([id, own]) => [id, assembleTimeline(own)]));
    },

    newestSummaries: (appId, fromMillis, limit) => summariesWithCounts(appId, newestSummariesQuery(appId, fromMillis, limit)),

    async summariesOf(appId, ids, afterNanos) {
      return ids.length === 0 ? [] : summariesWithCounts(appId, summariesOfQuery(appId, ids, afterNanos));
    },
    async executionsWithStepsSince(appId, fromNanos, limit) {
      return (await run<{ execution_id: string }>(executionsWithStepsSinceQuery(appId, fromNanos, limit))).map((row) => row.execution_id);
    },

    async searchSteps(appId, filter, limit, after) {
      const id = (row: StepRecord) => row.span_id;
      const read = (n: number) => page<StepRecord>(filter, (window, dedupe, rest) => stepSearchQuery(appId, { ...filter, ...window }, rest, after, dedupe), id, n);
      const rows = stepFilterReadsVersions(filter)
        ? await newestVersionsOnly(read, (page) => staleRows(run, 'steps', appId, stepConditions(appId, filter), page.map((row) => ({ startNs: row.start_ns, id: row.span_id, executionId: row.execution_id }))), id, limit)
        : await read(limit);
      return resolveFromExecutions(appId, rows.map((row) => numeric(row, STEP_NUMBERS)));
    },
  };
}

const DAY_MILLIS = 86_400_000;

/**
 * `range` cut into newest-first windows: the last day, then the rest (one
 * window when the range is a day or less). Two, not more: a sparse result
 * (a rare word) pays one extra query, a dense one (a common word, a busy
 * pipeline) reads one day's partition instead of every one.
 *
 * @example
 * newestFirstWindows({ fromMillis: 0, toMillis: 30 * DAY_MILLIS }).length; // 2
 */
export function newestFirstWindows(range: TimeRange): TimeRange[] {
  const lastDay = range.toMillis - DAY_MILLIS;
  if (lastDay <= range.fromMillis) return [range];
  return [
    { fromMillis: lastDay, toMillis: range.toMillis },
    { fromMillis: range.fromMillis, toMillis: lastDay },
  ];
}

/** A row of executionTimelineQuery / dayTimelinesQuery: an execution's or a step's columns as JSON, its execution id, and its inserted_at in ms. */
interface VersionedRow {
  kind: 'execution' | 'step';
  id: string;
  row: string;
  version: number;
}

/**
 * One execution's timeline from every stored version of its rows: the newest
 * of the execution and of each step (a re-delivered row is an older or equal
 * copy), steps in timeline order, inheriting the execution's pipeline and
 * environment, and the execution's counts and usage recounted from them.
 */
function assembleTimeline(rows: readonly VersionedRow[]): Timeline {
  let newest: VersionedRow | undefined;
  const newestStep = new Map<string, { version: number; step: StepRecord }>();
  for (const row of rows) {
    if (row.kind === 'execution') {
      if (!newest || Number(row.version) > Number(newest.version)) newest = row;
      continue;
    }
    const step = JSON.parse(row.row) as StepRecord;
    const seen = newestStep.get(step.span_id);
    if (!seen || Number(row.version) > seen.version) newestStep.set(step.span_id, { version: Number(row.version), step });
  }
  const execution = newest ? numeric(JSON.parse(newest.row) as ExecutionRecord, EXECUTION_NUMBERS) : undefined;
  const steps = [...newestStep.values()].map(({ step }) => numeric(step, STEP_NUMBERS)).sort(byTimelineOrder);
  // Steps sent without any sequence (all stored as 0) are numbered by their read-time order.
  const renumbered = steps.length > 1 && steps.every((step) => step.sequence === 0);
  if (renumbered) steps.forEach((step, i) => (step.sequence = i));
  if (execution) {
    for (const step of steps) inheritFrom(step, execution);
    // The steps just read are the stored truth for the counts.
    execution.step_count = steps.length;
    execution.error_count = steps.filter((step) => step.status === 'failed').length;
    execution.usage = usageOf(steps);
  }
  return renumbered ? { execution, steps, renumbered } : { execution, steps };
}

/** Timeline order: declared sequence, then start time, then span id (as timelineQuery orders). */
function byTimelineOrder(a: StepRecord, b: StepRecord): number {
  if (a.sequence !== b.sequence) return a.sequence - b.sequence;
  if (a.start_ns !== b.start_ns) {
    const diff = BigInt(a.start_ns) - BigInt(b.start_ns);
    return diff < 0n ? -1 : 1;
  }
  return a.span_id < b.span_id ? -1 : a.span_id > b.span_id ? 1 : 0;
}

/** A step's pipeline and environment, filled from its execution's where the step was stored without one. */
function inheritFrom(step: StepRecord, execution: { pipeline: string; environment: string } | undefined): void {
  if (!execution) return;
  if (step.pipeline === '') step.pipeline = execution.pipeline;
  if (step.environment === '') step.environment = execution.environment;
}
