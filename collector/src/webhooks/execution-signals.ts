/**
 * What the detectors read from the stored executions and steps: the failed
 * steps of just-stored executions, and per pipeline of an app, over a
 * window, the executions, failures, p95 duration and a few failed ids.
 * `quantile` keeps a reservoir of 8,192 values per pipeline: exact for
 * smaller windows, bounded memory for larger ones.
 */
import type { ClickHouseBackend } from '../store/index.js';
import type { AlertMeasurement } from './events.js';

/** Failed execution ids an alert event lists. */
const MAX_FAILED_IDS = 10;

export interface ExecutionSignals {
  failedSteps(appId: string, executionIds: readonly string[], range: { fromMillis: number; toMillis: number }): Promise<Map<string, string[]>>;
  measure(appId: string, range: { fromMillis: number; toMillis: number }): Promise<AlertMeasurement[]>;
}

/**
 * @example
 * const signals = createExecutionSignals(store.backend);
 * await signals.measure('checkout', { fromMillis: Date.now() - 900_000, toMillis: Date.now() });
 */
export function createExecutionSignals(backend: ClickHouseBackend): ExecutionSignals {
  return {
    async failedSteps(appId, executionIds, { fromMillis, toMillis }) {
      const rows = await backend.query<{ execution_id: string; names: string[] }>(
        `SELECT execution_id, arrayMap(x -> x.2, arraySort(groupArray((sequence, name)))) AS names
         FROM (
           SELECT DISTINCT execution_id, span_id, sequence, name FROM steps
           WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)} AND status = 'failed'
             AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') AND start_time <= fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')
         )
         GROUP BY execution_id`,
        { appId, ids: executionIds, fromMillis, toMillis },
      );
      return new Map(rows.map((row) => [row.execution_id, row.names]));
    },
    async measure(appId, { fromMillis, toMillis }) {
      const rows = await backend.query<{ pipeline: string; executions: string; failed: string; p95: number; failed_ids: string[] }>(
        `SELECT pipeline, toString(count()) AS executions, toString(countIf(status = 'failed')) AS failed,
           quantile(0.95)(duration_ms) AS p95, groupArrayIf(${MAX_FAILED_IDS})(execution_id, status = 'failed') AS failed_ids
         FROM executions FINAL
         WHERE app_id = {appId:String}
           AND start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC') AND start_time <= fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')
         GROUP BY pipeline`,
        { appId, fromMillis, toMillis },
      );
      return rows.map((row) => ({
        pipeline: row.pipeline,
        executions: Number(row.executions),
        failed: Number(row.failed),
        p95Millis: Number(row.p95),
        failedExecutionIds: row.failed_ids,
      }));
    },
  };
}
