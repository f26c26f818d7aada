/**
 * The live tail's fan-out. It listens to the insert batcher (never to a
 * request): after each successful insert it asks ClickHouse, once per app
 * and distinct filter with subscribers, which of the stored executions match,
 * and hands each subscriber its events in stored order. Subscribers are
 * counted per app so one tenant cannot open unbounded streams. Delivery runs
 * off the ingest path, one insert after another, and a failed read only
 * costs the streams concerned a reconnect (their Last-Event-ID resumes them).
 */
import type { ExecutionRow } from '../contracts/rows.js';
import type { FlushInfo } from '../store/index.js';
import { comparePositions } from './event-id.js';
import type { EventPosition } from './event-id.js';
import type { LiveFilter, LiveRepository, StoredExecution } from './live-repository.js';

export interface Subscriber {
  appId: string;
  filter: LiveFilter;
  /** Receives the executions stored after the subscriber's position, in stored order. */
  deliver(executions: readonly StoredExecution[]): void;
  /** The stream cannot continue (its read failed); the client should reconnect. */
  fail(error: unknown): void;
}

export interface LiveHubOptions {
  repository: LiveRepository;
  /** Streams one app may hold open at once. */
  maxStreamsPerApp: number;
  /** Slack for clocks and for rows whose start time is far from the batch's (default one day). */
  windowSlackMillis?: number;
}

export interface LiveHub {
  /** Adds a subscriber, or returns false when its app already holds `maxStreamsPerApp` streams. */
  subscribe(subscriber: Subscriber): boolean;
  unsubscribe(subscriber: Subscriber): void;
  /** Streams open for an app. */
  count(appId: string): number;
  /** The batcher's flush listener. Returns at once; delivery happens after. */
  onFlush(info: FlushInfo): void;
  /** Resolves when every flush seen so far has been delivered. */
  idle(): Promise<void>;
}

const DAY_MILLIS = 86_400_000;
/** How far ClickHouse's clock (a server's) may be behind ours when telling this insert's rows from older copies. */
const CLOCK_SLACK_MILLIS = 60_000;

/** `YYYY-MM-DD hh:mm:ss.nnnnnnnnn` (UTC) -> unix ms. */
function rowMillis(time: string): number {
  return Date.parse(`${time.slice(0, 23).replace(' ', 'T')}Z`);
}

export function filterKey(filter: LiveFilter): string {
  return JSON.stringify([
    filter.pipeline ?? '',
    filter.status ?? '',
    filter.environment ?? '',
    filter.stepName ?? '',
    filter.reasoning ?? '',
    [...(filter.businessKeys ?? [])].sort(),
  ]);
}

/** Cheap in-memory pre-check on the columns the batch carries, so most non-matching batches cost no query. */
function mayMatch(row: ExecutionRow, filter: LiveFilter): boolean {
  return (
    (!filter.pipeline || row.pipeline === filter.pipeline) &&
    (!filter.status || row.status === filter.status) &&
    (!filter.environment || row.environment === filter.environment)
  );
}

/**
 * @example
 * const hub = createLiveHub({ repository: createLiveRepository(backend), maxStreamsPerApp: 10 });
 * const stop = store.batcher.onFlush((info) => hub.onFlush(info));
 */
export function createLiveHub(options: LiveHubOptions): LiveHub {
  const byApp = new Map<string, Set<Subscriber>>();
  const slack = options.windowSlackMillis ?? DAY_MILLIS;
  let chain: Promise<void> = Promise.resolve();

  async function deliverBatch(rows: readonly ExecutionRow[], flushStartedMillis: number): Promise<void> {
    const rowsByApp = new Map<string, ExecutionRow[]>();
    for (const row of rows) {
      if (!byApp.has(row.app_id)) continue;
      let list = rowsByApp.get(row.app_id);
      if (!list) rowsByApp.set(row.app_id, (list = []));
      list.push(row);
    }
    for (const [appId, appRows] of rowsByApp) {
      const subscribers = byApp.get(appId);
      if (!subscribers || subscribers.size === 0) continue;
      const groups = new Map<string, { filter: LiveFilter; members: Subscriber[] }>();
      for (const subscriber of subscribers) {
        const key = filterKey(subscriber.filter);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = { filter: subscriber.filter, members: [] }));
        group.members.push(subscriber);
      }
      for (const group of groups.values()) {
        const candidates = appRows.filter((row) => mayMatch(row, group.filter));
        if (candidates.length === 0) continue;
        const starts = candidates.map((row) => rowMillis(row.start_time));
        try {
          const stored = await options.repository.stored(appId, group.filter, [...new Set(candidates.map((row) => row.execution_id))], {
            fromMillis: Math.min(...starts) - slack,
            toMillis: Math.max(...starts) + slack,
            sinceMillis: flushStartedMillis - CLOCK_SLACK_MILLIS,
          });
          if (stored.length > 0) for (const member of group.members) if (subscribers.has(member)) member.deliver(stored);
        } catch (error) {
          for (const member of group.members) member.fail(error);
        }
      }
    }
  }

  return {
    subscribe(subscriber) {
      let set = byApp.get(subscriber.appId);
      if (!set) byApp.set(subscriber.appId, (set = new Set()));
      if (set.size >= options.maxStreamsPerApp) return false;
      set.add(subscriber);
      return true;
    },
    unsubscribe(subscriber) {
      const set = byApp.get(subscriber.appId);
      if (!set) return;
      set.delete(subscriber);
      if (set.size === 0) byApp.delete(subscriber.appId);
    },
    count(appId) {
      return byApp.get(appId)?.size ?? 0;
    },
    onFlush(info) {
      if (!info.ok || !info.executions || info.executions.length === 0 || byApp.size === 0) return;
      const rows = info.executions;
      const flushStartedMillis = Math.floor(Date.now() - info.millis);
      chain = chain
        .then(() => deliverBatch(rows, flushStartedMillis))
        .catch((error: unknown) => {
          // Only a bug gets here (reads fail per group above): end every stream so clients resume from their last event.
          for (const set of byApp.values()) for (const subscriber of set) subscriber.fail(error);
        });
    },
    idle() {
      return chain;
    },
  };
}

/** Keeps only the executions after `position` (for a stream that replayed up to it). */
export function after(executions: readonly StoredExecution[], position: EventPosition | undefined): StoredExecution[] {
  if (!position) return [...executions];
  return executions.filter((row) => comparePositions({ insertedMillis: row.inserted_ms, executionId: row.execution_id }, position) > 0);
}
