/**
 * Usage rows (one per key and bucket) -> the reply of GET /api/v1/stats/cost:
 * one series per key with its points and totals, and the window's totals.
 * Pure.
 */
import type { z } from 'zod';
import type { UsagePoint } from './cost-repository.js';
import type { costResponse, usageTotals } from './cost-schemas.js';

type Totals = z.infer<typeof usageTotals>;
type Series = z.infer<typeof costResponse>['series'][number];

const zero = (): Totals => ({ inputTokens: 0, outputTokens: 0, costUsd: 0, estimatedCostUsd: 0, steps: 0 });

function add(into: Totals, point: Totals): void {
  into.inputTokens += point.inputTokens;
  into.outputTokens += point.outputTokens;
  into.costUsd += point.costUsd;
  into.estimatedCostUsd += point.estimatedCostUsd;
  into.steps += point.steps;
}

/**
 * Groups usage rows into series; `timeOf` labels a bucket (the route clamps
 * a bucket starting before the window to its start).
 *
 * @example
 * toCostSeries([{ key: 'gpt-4o', bucketMillis: 0, inputTokens: 10, … }], (ms) => new Date(ms).toISOString());
 */
export function toCostSeries(points: readonly UsagePoint[], timeOf: (bucketMillis: number) => string): { totals: Totals; series: Series[] } {
  const totals = zero();
  const series = new Map<string, Series>();
  for (const { key, bucketMillis, ...values } of points) {
    let entry = series.get(key);
    if (!entry) {
      entry = { key, totals: zero(), points: [] };
      series.set(key, entry);
    }
    entry.points.push({ time: timeOf(bucketMillis), ...values });
    add(entry.totals, values);
    add(totals, values);
  }
  return { totals, series: [...series.values()] };
}
