/**
 * The Overview's data, one function per panel. Where the collector has no
 * endpoint yet (duration percentiles per bucket, top failing steps,
 * environments), the function computes the answer from endpoints that exist,
 * reading a bounded number of pages; when the collector gains the endpoint,
 * only that function changes.
 */
import { type FailingStep, toTopFailingSteps } from '../data/top-failing-steps';
import { type DurationPoint, toDurationPoints } from '../data/duration-percentiles';
import type { CollectorClient } from './client';
import type { ExecutionSummary, FailureRateResponse, StatsQuery, Step, SummaryResponse, TimeWindow } from './types';

/** Page size of the list endpoints (their maximum). */
const PAGE_LIMIT = 500;
/** Pages read at most for a client-side aggregate: 2,000 rows. */
const MAX_PAGES = 4;

export interface Sampled<T> {
  value: T;
  /** Rows the value was computed from. */
  sampleSize: number;
  /** True when more rows existed than were read (the value covers the newest ones). */
  truncated: boolean;
}

async function readPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ rows: T[]; nextCursor: string | null }>
): Promise<{ rows: T[]; truncated: boolean }> {
  const rows: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor);
    rows.push(...result.rows);
    if (!result.nextCursor) {
      return { rows, truncated: false };
    }
    cursor = result.nextCursor;
  }
  return { rows, truncated: true };
}

export function fetchFailureRate(
  client: CollectorClient,
  query: StatsQuery,
  intervalSeconds: number
): Promise<FailureRateResponse> {
  return client.failureRate({ ...query, intervalSeconds });
}

export function fetchSummary(client: CollectorClient, query: StatsQuery): Promise<SummaryResponse> {
  return client.summary(query);
}

/**
 * p50/p95 duration per bucket. Computed from up to 2,000 of the newest
 * executions in the window until the collector serves it (requested:
 * `GET /stats/duration`).
 */
export async function fetchDurationPercentiles(
  client: CollectorClient,
  query: StatsQuery,
  intervalSeconds: number
): Promise<Sampled<DurationPoint[]>> {
  const { rows, truncated } = await readPages<ExecutionSummary>(async (cursor) => {
    const page = await client.listExecutions({ ...query, limit: PAGE_LIMIT, cursor });
    return { rows: page.executions, nextCursor: page.nextCursor };
  });
  return { value: toDurationPoints(rows, query, intervalSeconds), sampleSize: rows.length, truncated };
}

/**
 * The steps that failed most in the window. Counted from up to 2,000 of the
 * newest failed steps until the collector serves it from its `step_stats_1h`
 * rollup (requested: `GET /stats/top-failing-steps`).
 */
export async function fetchTopFailingSteps(
  client: CollectorClient,
  query: StatsQuery,
  limit = 10
): Promise<Sampled<FailingStep[]>> {
  const { rows, truncated } = await readPages<Step>(async (cursor) => {
    const page = await client.searchSteps({
      fromMillis: query.fromMillis,
      toMillis: query.toMillis,
      pipeline: query.pipeline,
      status: 'failed',
      limit: PAGE_LIMIT,
      cursor,
    });
    return { rows: page.steps, nextCursor: page.nextCursor };
  });
  return {
    value: toTopFailingSteps(rows, { limit, environment: query.environment }),
    sampleSize: rows.length,
    truncated,
  };
}

/**
 * Environments seen in the window, for the environment filter: from the
 * newest 500 executions until the collector lists them (requested:
 * `GET /environments`).
 */
export async function fetchEnvironments(client: CollectorClient, window: TimeWindow): Promise<string[]> {
  const page = await client.listExecutions({ ...window, limit: PAGE_LIMIT });
  return [...new Set(page.executions.map((execution) => execution.environment).filter((name) => name !== ''))].sort();
}
