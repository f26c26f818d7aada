/**
 * The Execution page's data, fetched as it is needed: the outline (every
 * step without payloads) at once, payload previews a page at a time for the
 * rows on screen, a step's full payloads when it is selected, the steps
 * whose payloads match a search as it is typed, and the whole execution only
 * for the trace view.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { toCollectorRequestError } from './client';
import { type AsyncState, defaultCollectorClient, useAsyncQuery, useCollectorClient } from './hooks';
import { takePrefetchedOutline } from './outline-prefetch';
import type { ExecutionOutlineResponse, ExecutionSearchResponse, PagedStep, StepSnippet } from './types';

/** Steps in the first, small outline: enough rows for a screen while the whole outline loads. */
export const FIRST_OUTLINE_STEPS = 200;

export interface OutlineState extends AsyncState<ExecutionOutlineResponse> {
  /** True while `value` is the first steps only and the whole outline is on its way. */
  partial: boolean;
}

/**
 * The execution's outline in two requests: the first FIRST_OUTLINE_STEPS
 * steps (a few KB, on screen at once), then, once it has arrived, every step
 * (a few MB for 50,000), which replaces it. One after the other because the
 * embedded engine runs one statement at a time: sent together, the first
 * steps waited behind the whole outline's statements. Requests the app sent
 * ahead for this page (./outline-prefetch.ts, in the same order) are taken
 * instead, once.
 */
export function useExecutionOutline(executionId: string): OutlineState {
  const client = useCollectorClient();
  // Only the proxy client's requests are prefetched; a test's own client always asks itself.
  const load = (limit: number | undefined) =>
    (client === defaultCollectorClient() ? takePrefetchedOutline(executionId, limit) : undefined) ??
    client.getExecutionOutline(executionId, limit);
  const first = useAsyncQuery(JSON.stringify(['outline-first', executionId]), () => load(FIRST_OUTLINE_STEPS));
  const firstSettled = first.value !== undefined || first.error !== undefined;
  const whole = useAsyncQuery(JSON.stringify(['outline', executionId]), () => load(undefined), firstSettled);
  if (whole.value || whole.error || !first.value) {
    return { ...whole, partial: false };
  }
  return {
    value: first.value,
    error: undefined,
    loading: true,
    partial: first.value.steps.spanId.length < first.value.total,
  };
}

/** One step with its full payloads; nothing is fetched without a span id. */
export function useStep(executionId: string, spanId: string | undefined) {
  const client = useCollectorClient();
  return useAsyncQuery(
    JSON.stringify(['step', executionId, spanId]),
    () => client.getStep(executionId, spanId!).then((response) => response.step),
    spanId !== undefined
  );
}

/** The execution with every step and payload, for the trace view only (enabled when it is shown). */
export function useFullExecution(executionId: string, enabled: boolean) {
  const client = useCollectorClient();
  return useAsyncQuery(JSON.stringify(['full', executionId]), () => client.getExecution(executionId), enabled);
}

/** Steps per preview page, and characters of each input and output in it. */
export const PREVIEW_PAGE_STEPS = 200;
export const PREVIEW_CHARS = 120;

export interface StepPreviews {
  /** The paged step at a position, once its page has arrived. */
  at: (position: number) => PagedStep | undefined;
  /** Asks for the pages holding these positions (each page once). */
  request: (positions: readonly number[]) => void;
}

/**
 * Payload previews for the rows on screen: the pages holding the requested
 * positions, each fetched once per execution (a failed page is asked again
 * the next time it is needed).
 */
export function useStepPreviews(executionId: string): StepPreviews {
  const client = useCollectorClient();
  // Both keyed by the execution, so a page of the previous one never shows on the next.
  const [loaded, setLoaded] = useState<{ executionId: string; pages: ReadonlyMap<number, PagedStep[]> }>({
    executionId,
    pages: new Map(),
  });
  const asked = useRef({ executionId, pages: new Set<number>() });

  const request = useCallback(
    (positions: readonly number[]) => {
      if (asked.current.executionId !== executionId) {
        asked.current = { executionId, pages: new Set() };
      }
      const pending = asked.current.pages;
      for (const page of new Set(positions.map((position) => Math.floor(position / PREVIEW_PAGE_STEPS)))) {
        if (pending.has(page)) {
          continue;
        }
        pending.add(page);
        client
          .getStepPage(executionId, {
            offset: page * PREVIEW_PAGE_STEPS,
            limit: PREVIEW_PAGE_STEPS,
            preview: PREVIEW_CHARS,
          })
          .then(
            (response) =>
              setLoaded((previous) => ({
                executionId,
                pages: new Map(previous.executionId === executionId ? previous.pages : []).set(page, response.steps),
              })),
            () => pending.delete(page)
          );
      }
    },
    [client, executionId]
  );

  const at = useCallback(
    (position: number) =>
      loaded.executionId === executionId
        ? loaded.pages.get(Math.floor(position / PREVIEW_PAGE_STEPS))?.[position % PREVIEW_PAGE_STEPS]
        : undefined,
    [loaded, executionId]
  );
  return { at, request };
}

/** Matching steps asked of the collector at most (the outline's own default limit), and how many carry a snippet. */
export const PAYLOAD_SEARCH_LIMIT = 100_000;
export const PAYLOAD_SEARCH_SNIPPETS = 200;
/** The collector is asked once typing pauses this long. */
export const PAYLOAD_SEARCH_DELAY_MILLIS = 250;

/** Searches one execution's steps in the collector (reasoning, error messages, inputs, outputs). */
export type SearchPayloads = (query: string) => Promise<ExecutionSearchResponse>;

/** The collector's answer to a search within the execution, for the text it answers. */
export interface PayloadSearchState {
  /** The search text the state is for ('' when nothing was asked). */
  query: string;
  spanIds: string[];
  snippets: ReadonlyMap<string, StepSnippet>;
  truncated: boolean;
  /** True from the keystroke until the answer for the current text arrives. */
  loading: boolean;
  error?: Error;
}

const NO_PAYLOAD_SEARCH: PayloadSearchState = {
  query: '',
  spanIds: [],
  snippets: new Map(),
  truncated: false,
  loading: false,
};

/**
 * The collector's matches for `query` (when `enabled`), asked once typing
 * pauses; an answer for an older text never lands. Without `search`, or
 * disabled, nothing is asked.
 */
export function usePayloadSearch(
  search: SearchPayloads | undefined,
  query: string,
  enabled: boolean
): PayloadSearchState {
  const [state, setState] = useState<PayloadSearchState>(NO_PAYLOAD_SEARCH);
  const active = Boolean(search) && enabled;
  useEffect(() => {
    if (!search || !active) {
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      search(query).then(
        (response) =>
          current &&
          setState({
            query,
            spanIds: response.spanIds,
            snippets: new Map(response.snippets.map(({ spanId, snippet }) => [spanId, snippet])),
            truncated: response.truncated,
            loading: false,
          }),
        (error: unknown) => current && setState({ ...NO_PAYLOAD_SEARCH, query, error: toCollectorRequestError(error) })
      );
    }, PAYLOAD_SEARCH_DELAY_MILLIS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [search, query, active]);
  if (!active) {
    return NO_PAYLOAD_SEARCH;
  }
  return state.query === query ? state : { ...NO_PAYLOAD_SEARCH, query, loading: true };
}
