/**
 * Read queries over executions and their steps (statistics are in stats.ts). Every query takes the app id as
 * its first filter (it is the first column of every ordering key, and the
 * tenant boundary), and every value is a bound parameter.
 *
 * Reads use FINAL so rows written twice (a re-delivered OTLP batch) are seen
 * once even before ClickHouse has merged them away. A duplicate always has
 * the same start time as its original, so it lives in the same daily
 * partition: FINAL may work partition by partition, which keeps partition
 * pruning and skip indexes in play (READ_FINAL in sql.ts).
 */
import type { ClickHouseBackend, QueryParams } from './backend.js';
import { Conditions, RANGE, READ_FINAL, numeric } from './sql.js';
import type { TimeRange } from './sql.js';

export type { TimeRange } from './sql.js';

export interface ExecutionFilter extends TimeRange {
  pipeline?: string;
  status?: string;
  environment?: string;
  /** Only executions with a step of this name. */
  stepName?: string;
  /** Only executions with a step whose reasoning has all these words. */
  reasoning?: string;
  /** Only executions whose id this subquery selects (e.g. the scores filter, scores/); its parameters travel with it. */
  idsFrom?: { sql: string; params: QueryParams };
}

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
  attributes: Record<string, string>;
}

export interface StepFilter extends TimeRange {
  name?: string;
  status?: string;
  pipeline?: string;
  environment?: string;
  reasoning?: string;
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
  searchSteps(appId: string, filter: StepFilter, limit: number, after?: Cursor): Promise<StepRecord[]>;
}

const EXECUTION_COLUMNS = `execution_id, trace_id, root_span_id, pipeline, environment, service_name, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, step_count, error_count, dropped_steps, error_message, metadata, final_outcome, attributes`;

const STEP_COLUMNS = `execution_id, trace_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
  toString(toUnixTimestamp64Nano(start_time)) AS start_ns, toString(toUnixTimestamp64Nano(end_time)) AS end_ns,
  duration_ms, input, output, reasoning, error_type, error_message, error_stack, model, provider,
  input_tokens, output_tokens, cost_usd, attributes`;

const EXECUTION_NUMBERS = ['duration_ms', 'step_count', 'error_count', 'dropped_steps'] as const;
const STEP_NUMBERS = ['sequence', 'duration_ms', 'input_tokens', 'output_tokens', 'cost_usd'] as const;

export function createExecutionsRepository(backend: ClickHouseBackend): ExecutionsRepository {
  /**
   * Replaces the step and error counts with those of the steps actually
   * stored. The root span may arrive alone (a SimpleSpanProcessor sends every
   * span on its own), so the counts it was written with can be short. One
   * query per page, on the (app_id, execution_id) key prefix.
   */
  async function withStoredCounts(appId: string, records: ExecutionRecord[]): Promise<ExecutionRecord[]> {
    if (records.length === 0) return records;
    const counts = await backend.query<{ execution_id: string; steps: string; failed: string }>(
      `SELECT execution_id, uniqExact(span_id) AS steps, uniqExactIf(span_id, status = 'failed') AS failed
FROM steps
WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}
GROUP BY execution_id`,
      { appId, ids: records.map((record) => record.execution_id) },
    );
    const byId = new Map(counts.map((row) => [row.execution_id, row]));
    for (const record of records) {
      const stored = byId.get(record.execution_id);
      if (stored) {
        record.step_count = Number(stored.steps);
        record.error_count = Number(stored.failed);
      }
    }
    return records;
  }

  return {
    async list(appId, filter, limit, after) {
      const where = new Conditions()
        .add('app_id = {appId:String}', { appId })
        .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
        .addIf(filter.pipeline, 'pipeline = {pipeline:String}', 'pipeline')
        .addIf(filter.status, 'status = {status:String}', 'status')
        .addIf(filter.environment, 'environment = {environment:String}', 'environment');
      if (filter.stepName || filter.reasoning) {
        const inner = new Conditions()
          .add('app_id = {appId:String}')
          .add(RANGE)
          .addIf(filter.stepName, 'name = {stepName:String}', 'stepName')
          .addIf(filter.reasoning, 'hasAllTokens(reasoning, {reasoning:String})', 'reasoning');
        where.add(`execution_id IN (SELECT execution_id FROM steps WHERE ${inner.sql})`, inner.params);
      }
      if (filter.idsFrom) where.add(`execution_id IN (${filter.idsFrom.sql})`, filter.idsFrom.params);
      if (after) {
        where.add(
          '(start_time, execution_id) < (fromUnixTimestamp64Nano({afterNanos:Int64}, \'UTC\'), {afterId:String})',
          { afterNanos: after.startNanos, afterId: after.id },
        );
      }
      const rows = await backend.query<ExecutionRecord>(
        `SELECT ${EXECUTION_COLUMNS} FROM executions FINAL
WHERE ${where.sql}
ORDER BY start_time DESC, execution_id DESC
LIMIT {limit:UInt32}
${READ_FINAL}`,
        { ...where.params, limit },
      );
      return withStoredCounts(appId, rows.map((row) => numeric(row, EXECUTION_NUMBERS)));
    },

    async get(appId, executionId, options) {
      const rows = await backend.query<ExecutionRecord>(
        `SELECT ${EXECUTION_COLUMNS} FROM executions FINAL
WHERE app_id = {appId:String} AND execution_id = {executionId:String}
LIMIT 1
${READ_FINAL}`,
        { appId, executionId },
      );
      if (!rows[0]) return undefined;
      const record = numeric(rows[0], EXECUTION_NUMBERS);
      return options?.storedCounts === false ? record : (await withStoredCounts(appId, [record]))[0];
    },

    async steps(appId, executionId, around) {
      // (app_id, execution_id) is the prefix of the steps ordering key: in
      // each daily partition this reads only the granules of this execution.
      // The window (a day of slack either side, for clock skew and late
      // stragglers) leaves out the partitions that cannot hold any.
      const where = new Conditions().add('app_id = {appId:String} AND execution_id = {executionId:String}', { appId, executionId });
      if (around) {
        where.add(
          `start_time >= fromUnixTimestamp64Nano({aroundStart:Int64}, 'UTC') - INTERVAL 1 DAY
  AND start_time <= fromUnixTimestamp64Nano({aroundEnd:Int64}, 'UTC') + INTERVAL 1 DAY`,
          { aroundStart: around.startNanos, aroundEnd: around.endNanos },
        );
      }
      const rows = await backend.query<StepRecord>(
        `SELECT ${STEP_COLUMNS} FROM steps FINAL
WHERE ${where.sql}
ORDER BY sequence, start_time, span_id
${READ_FINAL}`,
        where.params,
      );
      return rows.map((row) => numeric(row, STEP_NUMBERS));
    },

    async searchSteps(appId, filter, limit, after) {
      const where = new Conditions()
        .add('app_id = {appId:String}', { appId })
        .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
        .addIf(filter.name, 'name = {name:String}', 'name')
        .addIf(filter.status, 'status = {status:String}', 'status')
        .addIf(filter.pipeline, 'pipeline = {pipeline:String}', 'pipeline')
        .addIf(filter.environment, 'environment = {environment:String}', 'environment')
        .addIf(filter.reasoning, 'hasAllTokens(reasoning, {reasoning:String})', 'reasoning');
      if (after) {
        where.add(
          '(start_time, span_id) < (fromUnixTimestamp64Nano({afterNanos:Int64}, \'UTC\'), {afterId:String})',
          { afterNanos: after.startNanos, afterId: after.id },
        );
      }
      const rows = await backend.query<StepRecord>(
        `SELECT ${STEP_COLUMNS} FROM steps FINAL
WHERE ${where.sql}
ORDER BY start_time DESC, span_id DESC
LIMIT {limit:UInt32}
${READ_FINAL}`,
        { ...where.params, limit },
      );
      return rows.map((row) => numeric(row, STEP_NUMBERS));
    },
  };
}
