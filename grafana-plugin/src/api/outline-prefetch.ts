/**
 * An Execution page opened from its URL (a link from a dashboard or an
 * alert, a reload) asks for its outline while the app's code is still
 * loading, instead of after its own code has arrived: the app's root starts
 * the requests (./execution-prefetch.ts) and the page takes each one, once,
 * if it is recent; otherwise it sends its own.
 */
import type { CollectorClient } from './client';
import type { ExecutionOutlineResponse } from './types';

/** A prefetched outline older than this is not used: the page asks again. */
export const PREFETCH_MAX_AGE_MILLIS = 10_000;

const pending = new Map<string, { at: number; response: Promise<ExecutionOutlineResponse> }>();
const keyOf = (executionId: string, limit: number | undefined) => JSON.stringify([executionId, limit ?? null]);

/**
 * Sends the outline requests (one per limit; undefined: the whole outline)
 * for the page to take, each once the one before has been answered, as the
 * page itself sends them.
 */
export function prefetchOutline(
  client: CollectorClient,
  executionId: string,
  limits: ReadonlyArray<number | undefined>,
  now = Date.now()
): void {
  let previous: Promise<unknown> | undefined;
  for (const limit of limits) {
    const send = () => client.getExecutionOutline(executionId, limit);
    const response = previous ? previous.then(send, send) : send();
    // A failure is reported by the page that takes the request; none is unhandled meanwhile.
    previous = response.catch(() => undefined);
    pending.set(keyOf(executionId, limit), { at: now, response });
  }
}

/** The prefetched request for this outline, once, if sent at most PREFETCH_MAX_AGE_MILLIS ago. */
export function takePrefetchedOutline(
  executionId: string,
  limit: number | undefined,
  now = Date.now()
): Promise<ExecutionOutlineResponse> | undefined {
  const key = keyOf(executionId, limit);
  const entry = pending.get(key);
  pending.delete(key);
  return entry && now - entry.at <= PREFETCH_MAX_AGE_MILLIS ? entry.response : undefined;
}
