/**
 * The collector's query API as the browser reaches it: every request goes
 * through Grafana's plugin proxy (route `collector` in plugin.json), which
 * adds the API key on the server side. This is the only module that sends
 * requests; components get data through the hooks in ./hooks.ts.
 */
import { lastValueFrom } from 'rxjs';
import { urlUtil } from '@grafana/data';
import { config, getBackendSrv, isFetchError } from '@grafana/runtime';
import { COLLECTOR_API_BASE } from '../constants';
import type {
  BucketedStatsQuery,
  CollectorErrorBody,
  CompareResponse,
  CostStatsQuery,
  CostStatsResponse,
  ExecutionFilters,
  ExportQuery,
  DurationsResponse,
  ExecutionListResponse,
  ExecutionOutlineResponse,
  ExecutionSearchResponse,
  ExecutionQuery,
  ExecutionResponse,
  FailureRateResponse,
  PipelinesResponse,
  ScoreListResponse,
  ScoreStatsQuery,
  ScoreStatsResponse,
  StatsQuery,
  StepPageQuery,
  StepPageResponse,
  StepQuery,
  StepResponse,
  StepSearchResponse,
  SummaryResponse,
  TimeWindow,
  TopFailingStepsQuery,
  TopFailingStepsResponse,
} from './types';

/** Query-string values; undefined, '' and [] are left out; an array repeats its key (`where=a&where=b`). */
export type QueryParams = Record<string, string | number | string[] | undefined>;

/** Sends one GET and resolves with the parsed JSON body; rejects with a CollectorRequestError. */
export type FetchJson = <T>(path: string, params?: QueryParams, requestId?: string) => Promise<T>;

export interface CollectorClient {
  listExecutions(query: ExecutionQuery, requestId?: string): Promise<ExecutionListResponse>;
  getExecution(executionId: string): Promise<ExecutionResponse>;
  /** The execution and every step without payloads (what the timeline lays out); `limit`: only the first steps. */
  getExecutionOutline(executionId: string, limit?: number): Promise<ExecutionOutlineResponse>;
  /** A page of steps in execution order with payload previews. */
  getStepPage(executionId: string, query: StepPageQuery): Promise<StepPageResponse>;
  /** One step with its full payloads. */
  getStep(executionId: string, spanId: string): Promise<StepResponse>;
  /** The execution's steps whose reasoning, error message, input or output hold the words of `q`, in step order. */
  searchExecution(
    executionId: string,
    q: string,
    options?: { limit?: number; snippets?: number }
  ): Promise<ExecutionSearchResponse>;
  searchSteps(query: StepQuery): Promise<StepSearchResponse>;
  failureRate(query: BucketedStatsQuery): Promise<FailureRateResponse>;
  durations(query: BucketedStatsQuery): Promise<DurationsResponse>;
  summary(query: StatsQuery): Promise<SummaryResponse>;
  topFailingSteps(query: TopFailingStepsQuery): Promise<TopFailingStepsResponse>;
  /** Pipelines and environments that ran in the window. */
  pipelines(window: TimeWindow): Promise<PipelinesResponse>;
  /** Two executions' step trees aligned, with what was added, removed and changed. */
  compareExecutions(a: string, b: string): Promise<CompareResponse>;
  /** Every score of an execution, oldest first (`GET /executions/:id/scores`). */
  listScores(executionId: string): Promise<ScoreListResponse>;
  /** One score over time per pipeline (`GET /stats/scores`). */
  scoreStats(query: ScoreStatsQuery): Promise<ScoreStatsResponse>;
  /** Tokens and cost over time per pipeline, model or provider (`GET /stats/cost`). */
  costStats(query: CostStatsQuery): Promise<CostStatsResponse>;
}

/** A failed request, with the collector's error code when it sent one. */
export class CollectorRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined
  ) {
    super(message);
    this.name = 'CollectorRequestError';
  }
}

function isCollectorErrorBody(data: unknown): data is CollectorErrorBody {
  const error = (data as CollectorErrorBody | undefined)?.error;
  return typeof error === 'object' && error !== null && typeof error.message === 'string';
}

/** Turns whatever Grafana's fetch rejected with into a CollectorRequestError with a useful message. */
export function toCollectorRequestError(error: unknown): CollectorRequestError {
  if (error instanceof CollectorRequestError) {
    return error;
  }
  if (isFetchError(error)) {
    if (isCollectorErrorBody(error.data)) {
      return new CollectorRequestError(error.data.error.message, error.status, error.data.error.code);
    }
    const dataMessage = (error.data as { message?: unknown } | undefined)?.message;
    const detail = typeof dataMessage === 'string' && dataMessage !== '' ? dataMessage : error.statusText;
    const hint =
      error.status === 502 || error.status === 404
        ? ' Check the collector URL on the plugin configuration page.'
        : error.status === 401 || error.status === 403
          ? ' Check the API key on the plugin configuration page.'
          : '';
    return new CollectorRequestError(
      `The collector request failed (${error.status}${detail ? `: ${detail}` : ''}).${hint}`,
      error.status,
      undefined
    );
  }
  return new CollectorRequestError(error instanceof Error ? error.message : String(error), 0, undefined);
}

function cleanParams(params: QueryParams = {}): Record<string, string | number | string[]> {
  const clean: Record<string, string | number | string[]> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) {
      clean[key] = value;
    }
  }
  return clean;
}

/**
 * The filters of the executions list as query parameters: business keys as repeated `where`, score
 * filters as `score.<name>`. `withScores: false` leaves the score filters out (the live tail and the
 * export do not take them).
 */
export function executionFilterParams(filters: ExecutionFilters, withScores = true): QueryParams {
  const params: QueryParams = {
    pipeline: filters.pipeline,
    status: filters.status,
    environment: filters.environment,
    step: filters.step,
    q: filters.q,
    where: filters.where,
  };
  if (withScores) {
    for (const [name, value] of Object.entries(filters.scores ?? {})) {
      params[`score.${name}`] = value;
    }
  }
  return params;
}

/**
 * A collector URL as the browser requests it outside backendSrv (downloads, the live stream): under
 * Grafana's sub path, through the plugin proxy, with the query serialized the way backendSrv does.
 *
 * @example
 * collectorBrowserUrl('/export', { format: 'csv', where: ['applicantId=A-1042'] })
 * // → '/api/plugin-proxy/xray-decisions-app/collector/api/v1/export?format=csv&where=applicantId%3DA-1042'
 */
export function collectorBrowserUrl(path: string, params?: QueryParams): string {
  const query = urlUtil.serializeParams(cleanParams(params));
  return `${config.appSubUrl ?? ''}/${COLLECTOR_API_BASE}${path}${query ? `?${query}` : ''}`;
}

/** The export of the executions matching a query (`GET /export`), as a download URL. */
export function exportUrl(query: ExportQuery): string {
  return collectorBrowserUrl('/export', {
    from: query.fromMillis,
    to: query.toMillis,
    ...executionFilterParams(query, false),
    format: query.format,
    steps: query.steps ? 'true' : 'false',
  });
}

/** One execution with its steps, as the collector answers `GET /executions/{id}` (a JSON download). */
export function executionJsonUrl(executionId: string): string {
  return collectorBrowserUrl(`/executions/${encodeURIComponent(executionId)}`);
}

/** The live tail of executions matching the filters (`GET /executions/stream`), resuming after `lastEventId`. */
export function liveStreamUrl(filters: ExecutionFilters, lastEventId?: string): string {
  return collectorBrowserUrl('/executions/stream', { ...executionFilterParams(filters, false), lastEventId });
}

/** GETs through Grafana's backend service (no error toasts: pages show errors in place). */
export const grafanaFetchJson: FetchJson = async <T>(path: string, params?: QueryParams, requestId?: string) => {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: `${COLLECTOR_API_BASE}${path}`,
        method: 'GET',
        params: cleanParams(params),
        requestId,
        showErrorAlert: false,
        showSuccessAlert: false,
      })
    );
    return response.data;
  } catch (error) {
    throw toCollectorRequestError(error);
  }
};

const windowParams = (window: TimeWindow) => ({ from: window.fromMillis, to: window.toMillis });
const statsParams = (query: StatsQuery) => ({
  ...windowParams(query),
  pipeline: query.pipeline,
  environment: query.environment,
});

/**
 * Creates a client of the collector's query API.
 *
 * @example
 * const client = createCollectorClient();
 * const { executions } = await client.listExecutions({ fromMillis, toMillis, status: 'failed' });
 */
export function createCollectorClient(fetchJson: FetchJson = grafanaFetchJson): CollectorClient {
  return {
    listExecutions: (query, requestId) =>
      fetchJson<ExecutionListResponse>(
        '/executions',
        {
          ...windowParams(query),
          ...executionFilterParams(query),
          limit: query.limit,
          cursor: query.cursor,
        },
        requestId
      ),
    getExecution: (executionId) => fetchJson<ExecutionResponse>(`/executions/${encodeURIComponent(executionId)}`),
    getExecutionOutline: (executionId, limit) =>
      fetchJson<ExecutionOutlineResponse>(`/executions/${encodeURIComponent(executionId)}/outline`, { limit }),
    getStepPage: (executionId, query) =>
      fetchJson<StepPageResponse>(`/executions/${encodeURIComponent(executionId)}/steps`, {
        offset: query.offset,
        limit: query.limit,
        preview: query.preview,
      }),
    getStep: (executionId, spanId) =>
      fetchJson<StepResponse>(`/executions/${encodeURIComponent(executionId)}/steps/${encodeURIComponent(spanId)}`),
    searchExecution: (executionId, q, options = {}) =>
      fetchJson<ExecutionSearchResponse>(`/executions/${encodeURIComponent(executionId)}/steps/search`, {
        q,
        limit: options.limit,
        snippets: options.snippets,
      }),
    searchSteps: (query) =>
      fetchJson<StepSearchResponse>('/steps', {
        ...windowParams(query),
        name: query.name,
        status: query.status,
        pipeline: query.pipeline,
        environment: query.environment,
        q: query.q,
        limit: query.limit,
        cursor: query.cursor,
      }),
    failureRate: (query) =>
      fetchJson<FailureRateResponse>('/stats/failure-rate', { ...statsParams(query), interval: query.intervalSeconds }),
    durations: (query) =>
      fetchJson<DurationsResponse>('/stats/durations', { ...statsParams(query), interval: query.intervalSeconds }),
    summary: (query) => fetchJson<SummaryResponse>('/stats/summary', statsParams(query)),
    topFailingSteps: (query) =>
      fetchJson<TopFailingStepsResponse>('/stats/top-failing-steps', { ...statsParams(query), limit: query.limit }),
    pipelines: (window) => fetchJson<PipelinesResponse>('/pipelines', windowParams(window)),
    compareExecutions: (a, b) => fetchJson<CompareResponse>('/executions/compare', { a, b }),
    listScores: (executionId) => fetchJson<ScoreListResponse>(`/executions/${encodeURIComponent(executionId)}/scores`),
    scoreStats: (query) =>
      fetchJson<ScoreStatsResponse>('/stats/scores', {
        ...statsParams(query),
        name: query.name,
        interval: query.intervalSeconds,
      }),
    costStats: (query) =>
      fetchJson<CostStatsResponse>('/stats/cost', {
        ...statsParams(query),
        interval: query.intervalSeconds,
        groupBy: query.groupBy,
      }),
  };
}
