/**
 * The Overview's data, one function per panel, and the filters' options.
 * Every aggregate comes from a collector endpoint; what is left here is
 * combining answers (the latest error of each failing step).
 */
import { type FailingStep, hourlyRollupWindow, withLatestFailures } from '../data/top-failing-steps';
import type { PipelineDurations } from '../data/p95-by-pipeline';
import type { CollectorClient } from './client';
import type {
  DurationsResponse,
  FailureRateResponse,
  PipelinesResponse,
  StatsQuery,
  SummaryResponse,
  TimeWindow,
} from './types';

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

/** Executions and p50/p95 duration per bucket (`GET /stats/durations`; empty buckets left out). */
export function fetchDurationPercentiles(
  client: CollectorClient,
  query: StatsQuery,
  intervalSeconds: number
): Promise<DurationsResponse> {
  return client.durations({ ...query, intervalSeconds });
}

/**
 * Each pipeline's own durations (`GET /stats/durations?pipeline=`, in parallel): the pipeline
 * filter's one, or every pipeline that ran in the window.
 */
export async function fetchDurationsByPipeline(
  client: CollectorClient,
  query: StatsQuery,
  intervalSeconds: number
): Promise<PipelineDurations[]> {
  const pipelines = query.pipeline ? [query.pipeline] : (await fetchCatalog(client, query)).pipelines;
  return Promise.all(
    pipelines.map(async (pipeline) => ({
      pipeline,
      durations: await client.durations({ ...query, pipeline, intervalSeconds }),
    }))
  );
}

/**
 * The steps that failed most (`GET /stats/top-failing-steps`, counted over
 * whole hours by the collector's hourly rollup), each with its latest
 * failure in those hours (`GET /steps?status=failed&limit=1`, one request
 * per step, in parallel).
 */
export async function fetchTopFailingSteps(
  client: CollectorClient,
  query: StatsQuery,
  limit = 10
): Promise<FailingStep[]> {
  const { steps } = await client.topFailingSteps({ ...query, limit });
  const counted = hourlyRollupWindow(query);
  const latest = await Promise.all(
    steps.map((step) =>
      client.searchSteps({
        ...counted,
        name: step.name,
        pipeline: step.pipeline,
        environment: query.environment,
        status: 'failed',
        limit: 1,
      })
    )
  );
  return withLatestFailures(
    steps,
    latest.flatMap((page) => page.steps)
  );
}

const catalogRequests = new WeakMap<CollectorClient, Map<string, Promise<PipelinesResponse>>>();

/**
 * Pipelines and environments that ran in the window (`GET /pipelines`), the
 * filters' options. The pipeline and environment pickers ask at the same
 * time: they share one request while it is in flight.
 */
export function fetchCatalog(client: CollectorClient, window: TimeWindow): Promise<PipelinesResponse> {
  const pending = catalogRequests.get(client) ?? new Map<string, Promise<PipelinesResponse>>();
  catalogRequests.set(client, pending);
  const key = `${window.fromMillis}/${window.toMillis}`;
  const inFlight = pending.get(key);
  if (inFlight) {
    return inFlight;
  }
  const request = client.pipelines({ fromMillis: window.fromMillis, toMillis: window.toMillis });
  pending.set(key, request);
  const forget = () => pending.delete(key);
  request.then(forget, forget);
  return request;
}
