/**
 * Applies per-app retention. The tables' TTL is one expression for every
 * app (the global XRAY_RETENTION_DAYS, dropping whole day partitions), so an
 * app that keeps less is trimmed by a sweep instead: a lightweight delete of
 * its executions (with their steps and scores) that started before its
 * horizon, run at start-up, every `intervalMillis`, and at once when an
 * app's retention is set. Rows are masked for every read when the delete
 * returns and leave the disk with the next merges; the rollups keep their
 * own 400 days, as with the global TTL.
 */
import type { AppRetention } from './retention-repository.js';

export interface RetentionSweeperOptions {
  /** The apps with a retention of their own. */
  list(): Promise<AppRetention[]>;
  /** Deletes the app's executions that started before `beforeMillis`; returns how many. */
  deleteBefore(appId: string, beforeMillis: number): Promise<number>;
  intervalMillis: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

export interface RetentionSweeper {
  /** Trims one app (or every app with a retention of its own) now; returns executions deleted per app. */
  sweep(only?: AppRetention): Promise<Record<string, number>>;
  start(): void;
  stop(): void;
}

const DAY_MILLIS = 86_400_000;

/**
 * @example
 * const sweeper = createRetentionSweeper({ list: () => repo.list(), deleteBefore, intervalMillis: 3_600_000 });
 * sweeper.start();
 */
export function createRetentionSweeper(options: RetentionSweeperOptions): RetentionSweeper {
  const now = options.now ?? Date.now;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  async function sweep(only?: AppRetention): Promise<Record<string, number>> {
    const apps = only ? [only] : await options.list();
    const deleted: Record<string, number> = {};
    for (const app of apps) deleted[app.appId] = await options.deleteBefore(app.appId, now() - app.days * DAY_MILLIS);
    return deleted;
  }

  return {
    sweep(only) {
      // One sweep at a time: the periodic one and one after a change never overlap.
      const next = running.then(() => sweep(only));
      running = next.catch(() => undefined);
      return next;
    },
    start() {
      const tick = () => {
        this.sweep().catch((error) => options.onError?.(error));
      };
      tick();
      timer = setInterval(tick, options.intervalMillis);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
