/**
 * React hooks over the collector client: each returns `{ value, error,
 * loading }` and never throws (errors are values the pages show in place).
 * A newer request supersedes an older one, so a slow answer never overwrites
 * a fresher one; the last value stays on screen while a refresh loads.
 */
import React, { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type CollectorClient, createCollectorClient, toCollectorRequestError } from './client';
import {
  fetchCatalog,
  fetchDurationPercentiles,
  fetchDurationsByPipeline,
  fetchFailureRate,
  fetchSummary,
  fetchTopFailingSteps,
} from './overview-queries';
import type { ExecutionQuery, ExecutionSummary, StatsQuery, TimeWindow } from './types';

const CollectorClientContext = createContext<CollectorClient | null>(null);
let defaultClient: CollectorClient | undefined;

/** Supplies a client to the hooks below (tests pass a fake one). */
export function CollectorClientProvider({ client, children }: { client: CollectorClient; children: React.ReactNode }) {
  return <CollectorClientContext.Provider value={client}>{children}</CollectorClientContext.Provider>;
}

/** The client that goes through Grafana's plugin proxy (one per page load). */
export function defaultCollectorClient(): CollectorClient {
  defaultClient ??= createCollectorClient();
  return defaultClient;
}

/** The client from the nearest provider, else one that goes through Grafana's plugin proxy. */
export function useCollectorClient(): CollectorClient {
  return useContext(CollectorClientContext) ?? defaultCollectorClient();
}

export interface AsyncState<T> {
  value: T | undefined;
  error: Error | undefined;
  loading: boolean;
}

/**
 * Runs `load` whenever `key` changes and tracks its outcome. `key` must
 * capture every input of `load` (a JSON string of them is enough). While a
 * new key loads, the previous value stays (no flicker on refresh).
 */
export function useAsyncQuery<T>(key: string, load: () => Promise<T>, enabled = true): AsyncState<T> {
  const [settled, setSettled] = useState<{ key: string; value: T | undefined; error: Error | undefined }>({
    key: '',
    value: undefined,
    error: undefined,
  });

  useEffect(() => {
    if (!enabled) {
      return;
    }
    // A superseded or unmounted query's answer must not land.
    let current = true;
    load().then(
      (value) => current && setSettled({ key, value, error: undefined }),
      (error: unknown) =>
        current && setSettled((previous) => ({ key, value: previous.value, error: toCollectorRequestError(error) }))
    );
    return () => {
      current = false;
    };
    // `key` stands for every input of `load`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, enabled]);

  const fresh = settled.key === key;
  return { value: settled.value, error: fresh ? settled.error : undefined, loading: enabled && !fresh };
}

/** Stats filters plus the refresh counter, as the key of the overview queries. */
function statsKey(query: StatsQuery, refreshKey: number, extra: unknown = null): string {
  return JSON.stringify([query.fromMillis, query.toMillis, query.pipeline, query.environment, refreshKey, extra]);
}

export function useFailureRate(query: StatsQuery, intervalSeconds: number, refreshKey: number) {
  const client = useCollectorClient();
  return useAsyncQuery(statsKey(query, refreshKey, intervalSeconds), () =>
    fetchFailureRate(client, query, intervalSeconds)
  );
}

export function useSummary(query: StatsQuery, refreshKey: number) {
  const client = useCollectorClient();
  return useAsyncQuery(statsKey(query, refreshKey), () => fetchSummary(client, query));
}

export function useDurationPercentiles(query: StatsQuery, intervalSeconds: number, refreshKey: number) {
  const client = useCollectorClient();
  return useAsyncQuery(statsKey(query, refreshKey, intervalSeconds), () =>
    fetchDurationPercentiles(client, query, intervalSeconds)
  );
}

export function useDurationsByPipeline(query: StatsQuery, intervalSeconds: number, refreshKey: number) {
  const client = useCollectorClient();
  return useAsyncQuery(statsKey(query, refreshKey, intervalSeconds), () =>
    fetchDurationsByPipeline(client, query, intervalSeconds)
  );
}

export function useTopFailingSteps(query: StatsQuery, refreshKey: number) {
  const client = useCollectorClient();
  return useAsyncQuery(statsKey(query, refreshKey), () => fetchTopFailingSteps(client, query));
}

/** Pipelines and environments that ran in the window, one shared request (`GET /pipelines`). */
function useCatalog(window: TimeWindow) {
  const client = useCollectorClient();
  return useAsyncQuery(JSON.stringify([window.fromMillis, window.toMillis]), () => fetchCatalog(client, window));
}

/** Pipelines that ran in the window (the pipeline filter's options). */
export function usePipelines(window: TimeWindow): AsyncState<string[]> {
  const state = useCatalog(window);
  return useMemo(() => ({ ...state, value: state.value?.pipelines }), [state]);
}

/** Environments seen in the window (the environment filter's options). */
export function useEnvironments(window: TimeWindow): AsyncState<string[]> {
  const state = useCatalog(window);
  return useMemo(() => ({ ...state, value: state.value?.environments }), [state]);
}

export function useExecution(executionId: string, refreshKey = 0) {
  const client = useCollectorClient();
  return useAsyncQuery(JSON.stringify([executionId, refreshKey]), () => client.getExecution(executionId));
}

export interface ExecutionListState extends AsyncState<ExecutionSummary[]> {
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

interface ListState {
  key: string;
  rows: ExecutionSummary[] | undefined;
  cursor: string | null;
  error: Error | undefined;
  loadingMore: boolean;
}

/** One list of executions, newest first, with "load more" over the API's cursor. */
export function useExecutionList(query: ExecutionQuery, refreshKey: number): ExecutionListState {
  const client = useCollectorClient();
  const key = JSON.stringify([query, refreshKey]);
  const [state, setState] = useState<ListState>({
    key: '',
    rows: undefined,
    cursor: null,
    error: undefined,
    loadingMore: false,
  });

  useEffect(() => {
    let current = true;
    // The request id lets Grafana cancel a superseded list request (typing in the search box).
    client.listExecutions(query, 'xray-executions-list').then(
      (page) =>
        current &&
        setState({ key, rows: page.executions, cursor: page.nextCursor, error: undefined, loadingMore: false }),
      (error: unknown) =>
        current &&
        setState((previous) => ({
          ...previous,
          key,
          cursor: null,
          error: toCollectorRequestError(error),
          loadingMore: false,
        }))
    );
    return () => {
      current = false;
    };
    // `key` stands for `query` and the refresh counter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key]);

  const fresh = state.key === key;
  const loadMore = useCallback(() => {
    const cursor = state.cursor;
    if (state.key !== key || !cursor || state.loadingMore) {
      return;
    }
    setState((previous) => ({ ...previous, loadingMore: true }));
    client.listExecutions({ ...query, cursor }).then(
      (page) =>
        setState((previous) =>
          previous.key === key
            ? {
                ...previous,
                rows: [...(previous.rows ?? []), ...page.executions],
                cursor: page.nextCursor,
                loadingMore: false,
              }
            : previous
        ),
      (error: unknown) =>
        setState((previous) =>
          previous.key === key ? { ...previous, error: toCollectorRequestError(error), loadingMore: false } : previous
        )
    );
  }, [client, key, query, state]);

  return {
    value: state.rows,
    error: fresh ? state.error : undefined,
    loading: !fresh,
    hasMore: fresh && state.cursor !== null,
    loadingMore: fresh && state.loadingMore,
    loadMore,
  };
}
