/**
 * The SQL of scores: write one, list an execution's, the executions whose
 * latest score of a name has a value (the list filter), and the latest score
 * per execution aggregated over time per pipeline. Every query starts from
 * the app id (first in the ordering key, and the tenant boundary) and binds
 * every value as a parameter.
 */
import type { ClickHouseBackend, QueryParams } from '../store/index.js';
import { parseScoreValue, toStoredValue } from './score-value.js';
import type { ScoreKind, StoredValue } from './score-value.js';

/** What the execution a score is about contributes to it. */
export interface ScoredExecution {
  pipeline: string;
  environment: string;
  startNanos: string;
}

export interface NewScore extends StoredValue {
  appId: string;
  executionId: string;
  scoreId: string;
  spanId: string;
  name: string;
  comment: string;
  author: string;
  scoredAtMillis: number;
  execution: ScoredExecution;
}

export interface ScoreRow extends StoredValue {
  score_id: string;
  execution_id: string;
  span_id: string;
  name: string;
  comment: string;
  author: string;
  pipeline: string;
  scored_at: string;
}

export interface ScoreBucket {
  pipeline: string;
  bucket_ms: string;
  kind: ScoreKind;
  value_text: string;
  scored: number;
  value_sum: number;
}

export interface ScoreStatsFilter {
  name: string;
  fromMillis: number;
  toMillis: number;
  pipeline?: string;
  environment?: string;
}

/** One `score.<name>=<value>` condition of the executions list. */
export interface ScoreCondition {
  name: string;
  value: StoredValue;
}

export interface ScoresRepository {
  /** The execution's pipeline, environment and start, if this app has it. */
  findExecution(appId: string, executionId: string): Promise<ScoredExecution | undefined>;
  /** True when the execution has a step with this span id. */
  hasStep(appId: string, executionId: string, spanId: string): Promise<boolean>;
  insert(score: NewScore): Promise<void>;
  /** Every score of an execution, oldest first. */
  list(appId: string, executionId: string): Promise<ScoreRow[]>;
  /** The scores of the app's executions with ids from `fromId` to `toId` (bounds included), as `list` gives them. */
  listRange(appId: string, fromId: string, toId: string): Promise<ScoreRow[]>;
  /** Per pipeline, bucket and value: how many executions' latest score of `name` it is. */
  buckets(appId: string, filter: ScoreStatsFilter, intervalSeconds: number): Promise<ScoreBucket[]>;
}

/** The latest score: by its time, then by its id, which orders scores as they were sent (UUID version 7, score-routes.ts). */
const LATEST = '(scored_at, score_id)';

/**
 * A subquery selecting the ids of the app's executions whose latest score of
 * each named score has the given value, for `execution_id IN (...)`. Numeric
 * values compare as numbers, so `score.rating=5` matches a stored 5.0.
 *
 * @example
 * const sub = executionsWithScores('checkout', [{ name: 'correct', value: toStoredValue(false) }]);
 * where.add(`execution_id IN (${sub.sql})`, sub.params);
 */
export function executionsWithScores(appId: string, conditions: readonly ScoreCondition[]): { sql: string; params: QueryParams } {
  const params: QueryParams = { scoreAppId: appId };
  const selects = conditions.map((condition, i) => {
    params[`scoreName${i}`] = condition.name;
    params[`scoreText${i}`] = condition.value.value_text;
    params[`scoreNumber${i}`] = condition.value.value_number;
    const matches =
      condition.value.kind === 'numeric'
        ? `kind = 'numeric' AND value_number = {scoreNumber${i}:Float64}`
        : `kind != 'numeric' AND value_text = {scoreText${i}:String}`;
    return `SELECT execution_id FROM (
    SELECT execution_id, argMax(kind, ${LATEST}) AS kind, argMax(value_number, ${LATEST}) AS value_number, argMax(value_text, ${LATEST}) AS value_text
    FROM scores FINAL WHERE app_id = {scoreAppId:String} AND name = {scoreName${i}:String} GROUP BY execution_id
  ) WHERE ${matches}`;
  });
  return { sql: selects.join('\n  INTERSECT\n  '), params };
}

export function createScoresRepository(backend: ClickHouseBackend): ScoresRepository {
  async function listWhere(executions: string, params: QueryParams): Promise<ScoreRow[]> {
    const rows = await backend.query<ScoreRow>(
      `SELECT score_id, execution_id, span_id, name, kind, value_number, value_text, comment, author, pipeline,
  toString(toUnixTimestamp64Milli(scored_at)) AS scored_at
FROM scores FINAL
WHERE app_id = {appId:String} AND ${executions}
ORDER BY scored_at, score_id`,
      params,
    );
    return rows.map((row) => ({ ...row, value_number: Number(row.value_number) }));
  }

  return {
    async findExecution(appId, executionId) {
      const rows = await backend.query<{ pipeline: string; environment: string; start_ns: string }>(
        `SELECT pipeline, environment, toString(toUnixTimestamp64Nano(start_time)) AS start_ns
FROM executions FINAL WHERE app_id = {appId:String} AND execution_id = {executionId:String} LIMIT 1`,
        { appId, executionId },
      );
      const row = rows[0];
      return row ? { pipeline: row.pipeline, environment: row.environment, startNanos: row.start_ns } : undefined;
    },

    async hasStep(appId, executionId, spanId) {
      const rows = await backend.query(
        'SELECT 1 FROM steps WHERE app_id = {appId:String} AND execution_id = {executionId:String} AND span_id = {spanId:String} LIMIT 1',
        { appId, executionId, spanId },
      );
      return rows.length > 0;
    },

    async insert(score) {
      // INSERT ... SELECT binds every value server-side, times included.
      await backend.command(
        `INSERT INTO scores (app_id, execution_id, score_id, span_id, name, kind, value_number, value_text, comment, author,
  pipeline, environment, execution_start, scored_at)
SELECT {appId:String}, {executionId:String}, {scoreId:String}, {spanId:String}, {name:String}, {kind:String},
  {valueNumber:Float64}, {valueText:String}, {comment:String}, {author:String}, {pipeline:String}, {environment:String},
  fromUnixTimestamp64Nano({startNanos:Int64}, 'UTC'), fromUnixTimestamp64Milli({scoredAtMillis:Int64}, 'UTC')`,
        {
          appId: score.appId,
          executionId: score.executionId,
          scoreId: score.scoreId,
          spanId: score.spanId,
          name: score.name,
          kind: score.kind,
          valueNumber: score.value_number,
          valueText: score.value_text,
          comment: score.comment,
          author: score.author,
          pipeline: score.execution.pipeline,
          environment: score.execution.environment,
          startNanos: score.execution.startNanos,
          scoredAtMillis: score.scoredAtMillis,
        },
      );
    },

    async list(appId, executionId) {
      return listWhere('execution_id = {executionId:String}', { appId, executionId });
    },

    async listRange(appId, fromId, toId) {
      return listWhere('execution_id >= {fromId:String} AND execution_id <= {toId:String}', { appId, fromId, toId });
    },

    async buckets(appId, filter, intervalSeconds) {
      const params: QueryParams = {
        appId,
        name: filter.name,
        fromMillis: filter.fromMillis,
        toMillis: filter.toMillis,
        interval: intervalSeconds,
      };
      const extra: string[] = [];
      if (filter.pipeline) {
        extra.push('AND pipeline = {pipeline:String}');
        params.pipeline = filter.pipeline;
      }
      if (filter.environment) {
        extra.push('AND environment = {environment:String}');
        params.environment = filter.environment;
      }
      // Buckets follow the execution's start (when the decision was made),
      // not when it was judged; each execution counts once, with its latest score.
      const rows = await backend.query<Omit<ScoreBucket, 'value_text'> & { label: string }>(
        `SELECT of_pipeline AS pipeline,
  toString(toUnixTimestamp(toStartOfInterval(started, toIntervalSecond({interval:UInt32}))) * 1000) AS bucket_ms,
  kind, if(kind = 'numeric', '', value_text) AS label, count() AS scored, sum(value_number) AS value_sum
FROM (
  SELECT execution_id, any(pipeline) AS of_pipeline, any(execution_start) AS started,
    argMax(kind, ${LATEST}) AS kind, argMax(value_number, ${LATEST}) AS value_number, argMax(value_text, ${LATEST}) AS value_text
  FROM scores FINAL
  WHERE app_id = {appId:String} AND name = {name:String}
    AND execution_start >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC')
    AND execution_start < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')
    ${extra.join('\n    ')}
  GROUP BY execution_id
)
GROUP BY pipeline, bucket_ms, kind, label
ORDER BY pipeline, bucket_ms, kind, label`,
        params,
      );
      return rows.map(({ label, ...row }) => ({ ...row, value_text: label, scored: Number(row.scored), value_sum: Number(row.value_sum) }));
    },
  };
}

/**
 * The executions-list filter from query parameters `score.<name>=<value>`
 * (already split into name and text): see executionsWithScores.
 *
 * @example
 * scoreFilter('checkout', [{ name: 'correct', value: 'false' }]);
 */
export function scoreFilter(appId: string, filters: readonly { name: string; value: string }[]): { sql: string; params: QueryParams } {
  return executionsWithScores(
    appId,
    filters.map((filter) => ({ name: filter.name, value: toStoredValue(parseScoreValue(filter.value)) })),
  );
}
