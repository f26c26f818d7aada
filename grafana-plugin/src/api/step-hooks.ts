/**
 * The Execution page's data, fetched as it is needed: the outline (every
 * step without payloads) at once, payload previews a page at a time for the
 * rows on screen, a step's full payloads when it is selected, and the whole
 * execution only for the trace view.
 */
import { useCallback, useRef, useState } from 'react';
import { type AsyncState, useAsyncQuery, useCollectorClient } from './hooks';
import type { ExecutionOutlineResponse, PagedStep } from './types';

/** Steps in the first, small outline: enough rows for a screen while the whole outline loads. */
export const FIRST_OUTLINE_STEPS = 200;

export interface OutlineState extends AsyncState<ExecutionOutlineResponse> {
  /** True while `value` is the first steps only and the whole outline is on its way. */
  partial: boolean;
}

/**
 * The execution's outline in two requests sent together: the first
 * FIRST_OUTLINE_STEPS steps (a few KB, on screen at once) and every step (a
 * few MB for 50,000), which replaces it when it arrives.
 */
export function useExecutionOutline(executionId: string): OutlineState {
  const client = useCollectorClient();
  const first = useAsyncQuery(JSON.stringify(['outline-first', executionId]), () =>
    client.getExecutionOutline(executionId, FIRST_OUTLINE_STEPS)
  );
  const whole = useAsyncQuery(JSON.stringify(['outline', executionId]), () => client.getExecutionOutline(executionId));
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
