/** Score rows -> the API's JSON (camelCase, ISO times, typed values). Pure. */
import type { z } from 'zod';
import type { latestScore } from '../api/schemas.js';
import { fromStoredValue } from './score-value.js';
import type { ScoreBucket, ScoreRow } from './scores-repository.js';
import type { scoreSchema, scoreStatsResponse } from './score-schemas.js';
import { groupBy } from '../group-by.js';

export function toScore(row: ScoreRow): z.infer<typeof scoreSchema> {
  return {
    scoreId: row.score_id,
    executionId: row.execution_id,
    stepSpanId: row.span_id === '' ? null : row.span_id,
    name: row.name,
    kind: row.kind,
    value: fromStoredValue(row),
    comment: row.comment,
    author: row.author,
    pipeline: row.pipeline,
    time: new Date(Number(row.scored_at)).toISOString(),
  };
}

/**
 * The latest score of each name among an execution's scores (latest by
 * time, then score id, as filters and aggregates decide), with how many
 * scores of that name there are; ordered by name.
 *
 * @example
 * toLatestScores(await repo.list(appId, executionId)); // [{ name: 'correct', value: false, count: 2, … }]
 */
export function toLatestScores(rows: readonly ScoreRow[]): z.infer<typeof latestScore>[] {
  const byName = new Map<string, { latest: ScoreRow; count: number }>();
  const later = (a: ScoreRow, b: ScoreRow) => Number(a.scored_at) > Number(b.scored_at) || (a.scored_at === b.scored_at && a.score_id > b.score_id);
  for (const row of rows) {
    const seen = byName.get(row.name);
    if (!seen) byName.set(row.name, { latest: row, count: 1 });
    else {
      seen.count += 1;
      if (later(row, seen.latest)) seen.latest = row;
    }
  }
  return [...byName.values()]
    .sort((a, b) => (a.latest.name < b.latest.name ? -1 : a.latest.name > b.latest.name ? 1 : 0))
    .map(({ latest, count }) => {
      const { name, kind, value, comment, author, time, stepSpanId, scoreId } = toScore(latest);
      return { name, kind, value, comment, author, time, stepSpanId, scoreId, count };
    });
}

/**
 * toLatestScores for each execution the rows belong to, by execution id.
 *
 * @example
 * toLatestScoresByExecution(await repo.listRange(appId, 'exec-0001', 'exec-0100')).get('exec-0042'); // [{ name: 'correct', … }]
 */
export function toLatestScoresByExecution(rows: readonly ScoreRow[]): Map<string, z.infer<typeof latestScore>[]> {
  return new Map([...groupBy(rows, (row) => row.execution_id)].map(([id, own]) => [id, toLatestScores(own)]));
}

type Series = z.infer<typeof scoreStatsResponse>['series'];

/**
 * Folds (pipeline, bucket, value) counts into one series per pipeline with a
 * point per bucket: how many were scored, their average, counts per label.
 *
 * @example
 * toScoreSeries([{ pipeline: 'p', bucket_ms: '0', kind: 'boolean', value_text: 'false', scored: 3, value_sum: 0 }]);
 * // [{ pipeline: 'p', points: [{ time: '1970-01-01T00:00:00.000Z', scored: 3, average: 0, values: { false: 3 } }] }]
 */
export function toScoreSeries(buckets: readonly ScoreBucket[]): Series {
  const byPipeline = new Map<string, Map<string, { scored: number; sum: number; averaged: number; values: Record<string, number> }>>();
  for (const bucket of buckets) {
    const points = byPipeline.get(bucket.pipeline) ?? new Map();
    byPipeline.set(bucket.pipeline, points);
    const point = points.get(bucket.bucket_ms) ?? { scored: 0, sum: 0, averaged: 0, values: Object.create(null) as Record<string, number> };
    points.set(bucket.bucket_ms, point);
    point.scored += bucket.scored;
    if (bucket.kind !== 'categorical') {
      point.sum += bucket.value_sum;
      point.averaged += bucket.scored;
    }
    if (bucket.kind !== 'numeric') point.values[bucket.value_text] = (point.values[bucket.value_text] ?? 0) + bucket.scored;
  }
  return [...byPipeline].map(([pipeline, points]) => ({
    pipeline,
    points: [...points].map(([bucketMs, point]) => ({
      time: new Date(Number(bucketMs)).toISOString(),
      scored: point.scored,
      average: point.averaged === 0 ? null : point.sum / point.averaged,
      values: { ...point.values },
    })),
  }));
}
