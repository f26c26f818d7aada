/**
 * The export's reads, in bounded chunks so memory stays flat however much is
 * exported: executions in keyset pages (the list's own query and order,
 * newest first), and the steps of a group of executions whose step counts add
 * up to at most one chunk. The embedded engine returns whole results, so
 * paging, not a cursor held open in ClickHouse, is what bounds memory.
 */
import type { ClickHouseBackend, Cursor, ExecutionFilter, ExecutionRecord, ExecutionsRepository, StepRecord } from '../store/index.js';
import { READ_FINAL, READ_FINAL_EXACT, STEP_COLUMNS, STEP_NUMBERS, executionFilterConditions, numeric } from '../store/index.js';

export interface ExportRepositoryOptions {
  /** Executions read per page. */
  executionsPerPage?: number;
  /** Steps read per query (executions are grouped until their step counts reach it). */
  stepsPerChunk?: number;
}

export interface ExportChunk {
  executions: ExecutionRecord[];
  /** Steps of these executions by execution id, in order; undefined when steps were not asked for. */
  steps?: Map<string, StepRecord[]>;
}

export interface ExportRepository {
  /** How many executions and steps the filter matches (for progress). */
  estimate(appId: string, filter: ExecutionFilter): Promise<{ executions: number; steps: number }>;
  /** The matching executions, newest first, after `after`, in chunks. */
  chunks(appId: string, filter: ExecutionFilter, options: { steps: boolean; after?: Cursor }): AsyncGenerator<ExportChunk>;
}

const DAY_NANOS = 86_400_000_000_000n;

export function createExportRepository(
  backend: ClickHouseBackend,
  executions: ExecutionsRepository,
  options: ExportRepositoryOptions = {},
): ExportRepository {
  const perPage = options.executionsPerPage ?? 500;
  const stepsPerChunk = options.stepsPerChunk ?? 2000;

  async function stepsOf(appId: string, group: ExecutionRecord[]): Promise<Map<string, StepRecord[]>> {
    const starts = group.map((record) => BigInt(record.start_ns));
    const ends = group.map((record) => BigInt(record.end_ns));
    const min = starts.reduce((a, b) => (a < b ? a : b));
    const max = ends.reduce((a, b) => (a > b ? a : b));
    // A day of slack either side, as for one execution's steps: clock skew and stragglers.
    const rows = await backend.query<StepRecord>(
      `SELECT ${STEP_COLUMNS} FROM steps FINAL
WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}
  AND start_time >= fromUnixTimestamp64Nano({from:Int64}, 'UTC') AND start_time <= fromUnixTimestamp64Nano({to:Int64}, 'UTC')
ORDER BY execution_id, sequence, start_time, span_id
${READ_FINAL}`,
      { appId, ids: group.map((record) => record.execution_id), from: String(min - DAY_NANOS), to: String(max + DAY_NANOS) },
    );
    const byExecution = new Map<string, StepRecord[]>();
    for (const row of rows) {
      let list = byExecution.get(row.execution_id);
      if (!list) byExecution.set(row.execution_id, (list = []));
      list.push(numeric(row, STEP_NUMBERS));
    }
    return byExecution;
  }

  return {
    async estimate(appId, filter) {
      const where = executionFilterConditions(appId, filter);
      const [row] = await backend.query<{ executions: string; steps: string }>(
        `SELECT toString(count()) AS executions, toString(sum(step_count)) AS steps FROM executions FINAL WHERE ${where.sql} ${READ_FINAL_EXACT}`,
        where.params,
      );
      return { executions: Number(row?.executions ?? 0), steps: Number(row?.steps ?? 0) };
    },

    async *chunks(appId, filter, chunkOptions) {
      let after = chunkOptions.after;
      for (;;) {
        const page = await executions.list(appId, filter, perPage, after);
        if (page.length === 0) return;
        if (!chunkOptions.steps) {
          yield { executions: page };
        } else {
          let group: ExecutionRecord[] = [];
          let groupSteps = 0;
          for (const record of page) {
            if (group.length > 0 && groupSteps + record.step_count > stepsPerChunk) {
              yield { executions: group, steps: await stepsOf(appId, group) };
              group = [];
              groupSteps = 0;
            }
            group.push(record);
            groupSteps += record.step_count;
          }
          if (group.length > 0) yield { executions: group, steps: await stepsOf(appId, group) };
        }
        if (page.length < perPage) return;
        const last = page[page.length - 1];
        after = { startNanos: last.start_ns, id: last.execution_id };
      }
    },
  };
}
