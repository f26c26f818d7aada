/**
 * An execution's scores as the Execution page lists them: the latest of each
 * name with how many of that name exist (what the execution detail's
 * `scores` holds), from the full history `GET /executions/:id/scores`
 * answers oldest first, so the page need not load every step to show them.
 */
import type { LatestScore, Score, ScoreKind } from '../api/types';

/**
 * The latest score of each name, names in alphabetical order, each with its count.
 * Scores with the same time: the one listed later wins (the collector lists oldest first).
 *
 * @example
 * latestScores([{ name: 'correct', value: true, … }, { name: 'correct', value: false, … }])
 * // [{ name: 'correct', value: false, count: 2, … }]
 */
export function latestScores(scores: readonly Score[]): LatestScore[] {
  const byName = new Map<string, { latest: Score; count: number }>();
  for (const score of scores) {
    const seen = byName.get(score.name);
    if (!seen) {
      byName.set(score.name, { latest: score, count: 1 });
      continue;
    }
    seen.count += 1;
    if (Date.parse(score.time) >= Date.parse(seen.latest.time)) {
      seen.latest = score;
    }
  }
  return [...byName.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { latest, count }]) => {
      const { executionId: _executionId, pipeline: _pipeline, ...rest } = latest;
      return { ...rest, count };
    });
}

/** How a value reads: booleans as yes/no, numbers with up to four decimals, labels as they are. */
export function formatScoreValue(kind: ScoreKind, value: LatestScore['value']): string {
  if (kind === 'boolean' || typeof value === 'boolean') {
    return value === true || value === 'true' ? 'true' : 'false';
  }
  if (kind === 'numeric' && typeof value === 'number') {
    return value.toLocaleString('en-US', { maximumFractionDigits: 4 });
  }
  return String(value);
}

/** `+2 earlier` for a name scored three times; '' for one score. */
export function earlierLabel(count: number): string {
  return count > 1 ? `+${(count - 1).toLocaleString('en-US')} earlier` : '';
}
