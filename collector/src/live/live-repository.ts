/**
 * The live tail's SQL: the executions a just-finished insert stored that
 * match a subscriber's filter, and, for a client resuming with
 * `Last-Event-ID`, what was stored after a position. Both read rows as
 * stored (no FINAL): each insert is one event, and a re-delivered execution
 * is stored, and so shown, again.
 */
import type { ClickHouseBackend, ExecutionFilter, ExecutionRecord } from '../store/index.js';
import { EXECUTION_COLUMNS, EXECUTION_NUMBERS, executionFilterConditions, numeric } from '../store/index.js';
import type { EventPosition } from './event-id.js';

/** The list's filters without a time window: a stream has no end. */
export type LiveFilter = Omit<ExecutionFilter, 'fromMillis' | 'toMillis'>;

export interface StoredExecution extends ExecutionRecord {
  inserted_ms: number;
}

export interface LiveRepository {
  /** The newest row of each of these executions, stored at or after `sinceMillis` and matching the filter, in stored order. */
  stored(appId: string, filter: LiveFilter, ids: readonly string[], window: { fromMillis: number; toMillis: number; sinceMillis: number }): Promise<StoredExecution[]>;
  /** Up to `limit` rows stored after `after`, matching the filter, in stored order. */
  after(appId: string, filter: LiveFilter, after: EventPosition, limit: number, startedWithinMillis: number): Promise<StoredExecution[]>;
}

const COLUMNS = `${EXECUTION_COLUMNS}, toUnixTimestamp64Milli(inserted_at) AS inserted_ms`;
const ORDER = 'ORDER BY inserted_at, execution_id';

function toStored(row: StoredExecution): StoredExecution {
  return numeric(numeric(row, EXECUTION_NUMBERS), ['inserted_ms']);
}

export function createLiveRepository(backend: ClickHouseBackend): LiveRepository {
  return {
    async stored(appId, filter, ids, window) {
      // The window (the batch's start times, a day of slack each side) keeps
      // the read to the partitions the batch wrote into.
      const where = executionFilterConditions(appId, { ...filter, fromMillis: window.fromMillis, toMillis: window.toMillis })
        .add('execution_id IN {ids:Array(String)}', { ids: [...ids] })
        .add("inserted_at >= fromUnixTimestamp64Milli({sinceMillis:Int64}, 'UTC')", { sinceMillis: window.sinceMillis });
      // A re-delivered execution has an older copy too: keep only the newest row of each id.
      const rows = await backend.query<StoredExecution>(
        `SELECT * FROM (SELECT ${COLUMNS} FROM executions WHERE ${where.sql} ORDER BY inserted_at DESC LIMIT 1 BY execution_id)
ORDER BY inserted_ms, execution_id`,
        where.params,
      );
      return rows.map(toStored);
    },
    async after(appId, filter, position, limit, startedWithinMillis) {
      // A resumed stream looks back over executions that started at most
      // `startedWithinMillis` before the last event: partitions are by start
      // time, so this keeps the read off old days.
      const where = executionFilterConditions(appId, {
        ...filter,
        fromMillis: position.insertedMillis - startedWithinMillis,
        toMillis: Date.now() + startedWithinMillis,
      }).add(
        "(inserted_at, execution_id) > (fromUnixTimestamp64Milli({afterMillis:Int64}, 'UTC'), {afterId:String})",
        { afterMillis: position.insertedMillis, afterId: position.executionId },
      );
      const rows = await backend.query<StoredExecution>(
        `SELECT ${COLUMNS} FROM executions WHERE ${where.sql} ${ORDER} LIMIT {limit:UInt32}`,
        { ...where.params, limit },
      );
      return rows.map(toStored);
    },
  };
}
