/**
 * The collector's query API as the browser reaches it: every request goes
 * through Grafana's plugin proxy (route `collector` in plugin.json), which
 * adds the API key on the server side. This is the only module that sends
 * requests; components get data through the hooks in ./hooks.ts.
 */
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { COLLECTOR_API_BASE } from '../constants';
import type {
  BucketedStatsQuery,
  CollectorErrorBody,
  DurationsResponse,
  ExecutionListResponse,
  ExecutionOutlineResponse,
  ExecutionQuery,
  ExecutionResponse,
  FailureRateResponse,
  PipelinesResponse,
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

/** Query-string values; undefined and '' are left out. */
export type QueryParams = Record<string, string | number | undefined>;

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
  searchSteps(query: StepQuery): Promise<StepSearchResponse>;
  failureRate(query: BucketedStatsQuery): Promise<FailureRateResponse>;
  durations(query: BucketedStatsQuery): Promise<DurationsResponse>;
  summary(query: StatsQuery): Promise<SummaryResponse>;
  topFailingSteps(query: TopFailingStepsQuery): Promise<TopFailingStepsResponse>;
  /** Pipelines and environments that ran in the window. */
  pipelines(window: TimeWindow): Promise<PipelinesResponse>;
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

function cleanParams(params: QueryParams = {}): Record<string, string | number> {
  const clean: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      clean[key] = value;
    }
  }
  return clean;
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
          pipeline: query.pipeline,
          status: query.status,
          environment: query.environment,
          step: query.step,
          q: query.q,
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
  };
}
