/**
 * Search within one execution: which of its steps hold the words of a search
 * (store/step-search.ts: reasoning, error message, input and output, through
 * the text indexes of migration 0100), in the execution's step order, so a
 * timeline can mark and walk matches whose payloads it never loaded. The
 * matching steps' fields are read again only for the first few, for their
 * snippets. Every query starts with the app id (the tenant boundary) and
 * binds every value; the execution's rows are found by the primary key
 * (app_id, execution_id, …).
 */
import type { ClickHouseBackend } from './backend.js';
import { READ_FINAL, READ_FINAL_EXACT } from './sql.js';
import { type SearchTerm, stepSearchCondition } from './step-search.js';

/** A matching step and the fields its match can be shown from (for a snippet). */
export interface ExecutionSearchMatch {
  span_id: string;
}

/** The searchable fields of a step, read for its snippet. */
export interface SearchFieldsRecord {
  span_id: string;
  reasoning: string;
  error_message: string;
  input: string;
  output: string;
}

export interface ExecutionSearchRepository {
  /**
   * The steps of the execution matching every term, in step order (that of
   * the outline and the steps pages), at most `limit`; `exists` is false
   * when the app has no execution (nor step) of that id.
   */
  matches(appId: string, executionId: string, terms: readonly SearchTerm[], limit: number): Promise<{ exists: boolean; spanIds: string[] }>;
  /** The searchable fields of some steps of the execution (for snippets), by span id. */
  fields(appId: string, executionId: string, spanIds: readonly string[]): Promise<Map<string, SearchFieldsRecord>>;
}

/** The one order of an execution's steps (as in step-pages.ts). */
const STEP_ORDER = 'ORDER BY sequence, start_time, span_id';

/**
 * Creates the repository.
 *
 * @example
 * const search = createExecutionSearchRepository(backend);
 * const { spanIds } = await search.matches('default', executionId, parsed.terms, 10_000);
 */
export function createExecutionSearchRepository(backend: ClickHouseBackend): ExecutionSearchRepository {
  const OF_EXECUTION = 'app_id = {appId:String} AND execution_id = {executionId:String}';

  return {
    async matches(appId, executionId, terms, limit) {
      const search = stepSearchCondition(terms, 'search');
      const params = { appId, executionId, limit, ...search.params };
      const [rows, found] = await Promise.all([
        backend.query<ExecutionSearchMatch>(
          `SELECT span_id FROM steps FINAL
WHERE ${OF_EXECUTION}
  AND ${search.sql}
${STEP_ORDER}
LIMIT {limit:UInt32}
${READ_FINAL_EXACT}`,
          params,
        ),
        // Whether the execution exists at all: its steps, else its row (an execution may have no steps).
        backend.query<{ found: string }>(
          `SELECT (SELECT count() FROM (SELECT 1 FROM steps WHERE ${OF_EXECUTION} LIMIT 1))
  + (SELECT count() FROM (SELECT 1 FROM executions WHERE ${OF_EXECUTION} LIMIT 1)) AS found`,
          { appId, executionId },
        ),
      ]);
      return { exists: Number(found[0]?.found ?? 0) > 0, spanIds: rows.map((row) => row.span_id) };
    },

    async fields(appId, executionId, spanIds) {
      if (spanIds.length === 0) return new Map();
      const rows = await backend.query<SearchFieldsRecord>(
        `SELECT span_id, reasoning, error_message, input, output FROM steps FINAL
WHERE ${OF_EXECUTION} AND span_id IN {spanIds:Array(String)}
${READ_FINAL}`,
        { appId, executionId, spanIds: [...spanIds] },
      );
      return new Map(rows.map((row) => [row.span_id, row]));
    },
  };
}
