/**
 * The SQL of cost and token statistics: gen_ai usage of the steps in a
 * window, summed per bucket and per pipeline, model or provider.
 *
 * Read from the raw `steps` (FINAL per partition, six narrow columns of the
 * steps with usage), not a rollup: a re-delivered batch must not count its
 * tokens twice, which a rollup of sums cannot absorb the way the execution
 * rollups' uniqExact states do (and deleting an execution would have to
 * rebuild it). The window is therefore bounded by the raw retention. A step
 * stored without a pipeline (it arrived before or without its root) is
 * counted under its execution's pipeline, resolved at read time like every
 * step filter.
 */
import { HAS_USAGE } from '../store/index.js';
import type { ClickHouseBackend, QueryParams } from '../store/index.js';
import { Conditions, RANGE, READ_FINAL_EXACT, resolvedStepMatch } from '../store/sql.js';
import type { TimeRange } from '../store/sql.js';
import type { CostGroup } from './cost-schemas.js';

export interface CostFilter extends TimeRange {
  pipeline?: string;
  environment?: string;
  model?: string;
  provider?: string;
}

export interface UsagePoint {
  key: string;
  bucketMillis: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
  steps: number;
}

export interface CostRepository {
  /** Usage per `groupBy` value and bucket, ordered by key then bucket. */
  usage(appId: string, filter: CostFilter, groupBy: CostGroup, intervalSeconds: number): Promise<UsagePoint[]>;
}


/** The execution's pipeline for usage steps stored without one (see the module header). */
const EXECUTION_PIPELINES = `LEFT JOIN (
  SELECT execution_id, argMax(pipeline, inserted_at) AS pipeline FROM executions
  WHERE app_id = {appId:String}
    AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') - INTERVAL 1 DAY
    AND start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC') + INTERVAL 1 DAY
    AND execution_id IN (SELECT execution_id FROM steps WHERE app_id = {appId:String} AND ${RANGE} AND pipeline = '' AND ${HAS_USAGE})
  GROUP BY execution_id
) AS e ON s.execution_id = e.execution_id`;

const GROUP_KEY: Record<CostGroup, string> = {
  pipeline: "if(s.pipeline != '', s.pipeline, e.pipeline)",
  model: 's.model',
  provider: 's.provider',
};

/**
 * The usage query. Exported for tests that parse it.
 *
 * @example
 * const { sql, params } = usageQuery('default', { fromMillis: 0, toMillis: 1 }, 'model', 3600);
 */
export function usageQuery(appId: string, filter: CostFilter, groupBy: CostGroup, intervalSeconds: number): { sql: string; params: QueryParams } {
  const where = new Conditions()
    .add('app_id = {appId:String}', { appId })
    .add(RANGE, { fromMillis: filter.fromMillis, toMillis: filter.toMillis })
    .add(HAS_USAGE)
    .addIf(filter.model, 'model = {model:String}', 'model')
    .addIf(filter.provider, 'provider = {provider:String}', 'provider')
    .addIf(filter.pipeline, resolvedStepMatch('pipeline', 'pipeline'), 'pipeline')
    .addIf(filter.environment, resolvedStepMatch('environment', 'environment'), 'environment');
  return {
    sql: `SELECT ${GROUP_KEY[groupBy]} AS key,
  toUnixTimestamp(toStartOfInterval(s.start_time, toIntervalSecond({interval:UInt32}))) * 1000 AS bucket_ms,
  sum(s.input_tokens) AS input_tokens, sum(s.output_tokens) AS output_tokens,
  sum(s.cost_usd) AS cost_usd, sumIf(s.cost_usd, s.cost_source = 'estimated') AS estimated_cost_usd, count() AS steps
FROM (
  SELECT execution_id, pipeline, model, provider, start_time, input_tokens, output_tokens, cost_usd, cost_source
  FROM steps FINAL
  WHERE ${where.sql}
) AS s
${groupBy === 'pipeline' ? EXECUTION_PIPELINES : ''}
GROUP BY key, bucket_ms
ORDER BY key, bucket_ms
${READ_FINAL_EXACT}`,
    params: { ...where.params, interval: intervalSeconds },
  };
}

export function createCostRepository(backend: ClickHouseBackend): CostRepository {
  return {
    async usage(appId, filter, groupBy, intervalSeconds) {
      const { sql, params } = usageQuery(appId, filter, groupBy, intervalSeconds);
      const rows = await backend.query<Record<string, unknown>>(sql, params);
      return rows.map((row) => ({
        key: String(row.key),
        bucketMillis: Number(row.bucket_ms),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costUsd: Number(row.cost_usd),
        estimatedCostUsd: Number(row.estimated_cost_usd),
        steps: Number(row.steps),
      }));
    },
  };
}
