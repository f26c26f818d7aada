/**
 * The live tail of executions (`GET /executions/stream`, Server-Sent Events)
 * through Grafana's plugin proxy, which streams `text/event-stream` replies
 * as they come (Go's reverse proxy flushes them at once). backendSrv.fetch
 * reads a whole body before it answers, so the stream is read with the
 * browser's own EventSource on the proxy URL (the session cookie
 * authenticates it like any Grafana request; the proxy adds the key).
 *
 * Reconnecting is done here, not by EventSource: each new connection carries
 * the id of the last event received as `lastEventId` in the URL (the
 * collector's form of the `Last-Event-ID` header, which EventSource lets no
 * one set), so nothing stored meanwhile is lost and nothing is sent twice.
 * When a connection cannot be opened, one plain GET of the same URL learns
 * why (the collector's error message, or the proxy's status), to show it.
 */
import type { ExecutionFilters, ExecutionSummary } from './types';
import { liveStreamUrl } from './client';
import { reconnectDelayMillis } from '../data/reconnect';

export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live'; notice?: string }
  | { kind: 'reconnecting'; reason: string; retryAtMillis: number };

export interface LiveTailOptions {
  filters: ExecutionFilters;
  /** Executions as they are stored (batched a little so a burst renders once). */
  onExecutions: (rows: ExecutionSummary[]) => void;
  onState: (state: LiveState) => void;
  /** The browser's EventSource unless a test passes another. */
  createEventSource?: (url: string) => EventSource;
  /** Why a stream could not be opened (a plain GET of its URL); window.fetch unless a test passes another. */
  explainFailure?: (url: string) => Promise<string>;
  random?: () => number;
  now?: () => number;
}

/** Collects arrivals for this long before handing them on. */
const BATCH_MILLIS = 100;

async function explainWithFetch(url: string): Promise<string> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    if (response.ok) {
      return 'the stream was interrupted';
    }
    const text = await response.text();
    let message = text;
    try {
      const body = JSON.parse(text);
      message = body?.error?.message ?? body?.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    return `${response.status}${message ? `: ${String(message).slice(0, 300)}` : ''}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    controller.abort();
  }
}

/**
 * Opens the live tail; returns the function that closes it for good.
 *
 * @example
 * const close = openLiveTail({ filters: { pipeline: 'loan-approval' }, onExecutions: add, onState: show });
 */
export function openLiveTail(options: LiveTailOptions): () => void {
  const createEventSource = options.createEventSource ?? ((url: string) => new EventSource(url));
  const explain = options.explainFailure ?? explainWithFetch;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let source: EventSource | undefined;
  let lastEventId: string | undefined;
  let failures = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
  let batch: ExecutionSummary[] = [];

  const flush = () => {
    batchTimer = undefined;
    if (!closed && batch.length > 0) {
      const rows = batch;
      batch = [];
      options.onExecutions(rows);
    }
  };

  const retry = (reason: string) => {
    if (closed) {
      return;
    }
    const delay = reconnectDelayMillis(failures, { random: random() });
    options.onState({ kind: 'reconnecting', reason, retryAtMillis: now() + delay });
    retryTimer = setTimeout(connect, delay);
  };

  function connect() {
    retryTimer = undefined;
    if (closed) {
      return;
    }
    const url = liveStreamUrl(options.filters, lastEventId);
    let opened = false;
    let serverReason: string | undefined;
    const current = createEventSource(url);
    source = current;
    if (failures === 0) {
      options.onState({ kind: 'connecting' });
    }
    current.onopen = () => {
      opened = true;
      failures = 0;
      options.onState({ kind: 'live' });
    };
    current.addEventListener('execution', (event) => {
      const message = event as MessageEvent<string>;
      if (message.lastEventId) {
        lastEventId = message.lastEventId;
      }
      try {
        batch.push(JSON.parse(message.data) as ExecutionSummary);
      } catch {
        return; // not an execution: ignore it rather than break the stream
      }
      batchTimer ??= setTimeout(flush, BATCH_MILLIS);
    });
    current.addEventListener('gap', () => {
      options.onState({
        kind: 'live',
        notice: 'More executions were stored while disconnected than the stream replays: refresh to list them all.',
      });
    });
    current.onerror = (event) => {
      // The collector's own `event: error` (a store failure) carries a message; a lost connection does not.
      const data = (event as MessageEvent<string>).data;
      if (typeof data === 'string' && data) {
        try {
          serverReason = JSON.parse(data)?.message;
        } catch {
          serverReason = data;
        }
      }
      current.close();
      if (source !== current || closed) {
        return;
      }
      source = undefined;
      flush();
      failures = opened ? 1 : failures + 1;
      if (serverReason || opened) {
        retry(serverReason ?? 'the stream was interrupted');
        return;
      }
      void explain(url).then(retry);
    };
  }

  connect();
  return () => {
    closed = true;
    source?.close();
    source = undefined;
    clearTimeout(retryTimer);
    clearTimeout(batchTimer);
  };
}
