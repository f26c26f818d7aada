/**
 * Hands finished executions to the span exporter, a bounded number at a time.
 *
 * One job is one execution (or one span-processor batch) and is usually one
 * export call; a job split by `maxRequestBytes` sends its calls in order and
 * stops at the first failure. Every call runs under `suppressTracing`, so an
 * instrumented HTTP client does not trace the exporter's own request back into
 * the pipeline. A watchdog frees the slot of a call whose callback never
 * comes, so one hung request cannot stall the queue forever.
 */
import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { dropError, XRayExportError } from './export-error.js';
import type { ExportErrorReporter } from './export-error-reporter.js';
import { log } from './log.js';

/** How the queue talks to its exporter. */
export interface ExportQueueOptions {
  readonly exporter: SpanExporter;
  /** Jobs waiting or in flight; beyond this, new jobs are dropped. */
  readonly maxPendingJobs: number;
  /** Export calls in flight at once; 1 serializes them. */
  readonly maxConcurrentExports: number;
  /** How long to wait for the exporter's callback before counting the call failed. */
  readonly exportTimeoutMillis: number;
  /** Told about every failed export call (it speaks once per kind). */
  readonly reporter: ExportErrorReporter;
  /** Told about each job dropped (refused, or abandoned at shutdown), e.g. to count its spans. */
  readonly onDrop?: (job: ExportJob) => void;
}

/** Running totals, read by the owners' `stats()`. */
export interface ExportQueueCounters {
  /** Jobs fully exported. */
  sent: number;
  /** Jobs refused (queue full or closed) or abandoned at shutdown. */
  dropped: number;
  /** Jobs with a failed export call. */
  failed: number;
  /** Export calls made. */
  requestsSent: number;
}

/**
 * A job: the export calls to make, in order; or a function that makes them
 * when the job's turn comes (`undefined`: nothing to send, its maker counted
 * why). The client builds an execution's spans that way, so only the
 * executions being exported hold built spans, not every one that is waiting.
 */
export type ExportJob = ReadableSpan[][] | (() => ReadableSpan[][] | undefined);

export class ExportQueue {
  readonly counters: ExportQueueCounters = { sent: 0, dropped: 0, failed: 0, requestsSent: 0 };
  private readonly options: ExportQueueOptions;
  private readonly waiting: ExportJob[] = [];
  private readonly idleWaiters = new Set<() => void>();
  private active = 0;
  private closed = false;

  constructor(options: ExportQueueOptions) {
    this.options = options;
  }

  /** Jobs waiting or in flight. */
  get pending(): number {
    return this.waiting.length + this.active;
  }

  /** Queues `job`; returns `false` (and counts a drop) if the queue is full or closed. */
  enqueue(job: ExportJob): boolean {
    if (this.closed || this.pending >= this.options.maxPendingJobs) {
      this.drop(job);
      this.options.reporter.report(dropError(this.closed, 'export dropped'));
      return false;
    }
    this.waiting.push(job);
    this.pump();
    return true;
  }

  /** Resolves `true` once nothing is pending, or `false` after `timeoutMillis`. Never rejects. */
  whenIdle(timeoutMillis: number): Promise<boolean> {
    if (this.pending === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onIdle = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters.delete(onIdle);
        resolve(false);
      }, timeoutMillis);
      this.idleWaiters.add(onIdle);
    });
  }

  /**
   * Stops accepting jobs, waits up to `timeoutMillis` for pending ones, drops
   * what is still waiting, then shuts the exporter down within what is left
   * of the time. Resolves `true` if everything finished in time.
   */
  async shutdown(timeoutMillis: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    this.closed = true;
    const idle = await this.whenIdle(timeoutMillis);
    if (!idle) {
      for (const job of this.waiting.splice(0)) this.drop(job);
    }
    const exporterDone = await settleWithin(() => this.options.exporter.shutdown(), deadline - Date.now());
    return idle && exporterDone;
  }

  private pump(): void {
    while (this.active < this.options.maxConcurrentExports && this.waiting.length > 0) {
      const job = this.waiting.shift() as ExportJob;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
        if (this.pending === 0) this.notifyIdle();
      });
    }
  }

  private async run(job: ExportJob): Promise<void> {
    const requests = typeof job === 'function' ? job() : job;
    if (requests === undefined) return;
    for (const spans of requests) {
      this.counters.requestsSent++;
      const ok = await this.exportOnce(spans);
      if (!ok) {
        this.counters.failed++;
        return;
      }
    }
    this.counters.sent++;
  }

  private exportOnce(spans: ReadableSpan[]): Promise<boolean> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (ok: boolean, error?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        if (!ok) this.options.reporter.report(error);
        resolve(ok);
      };
      const watchdog = setTimeout(
        () =>
          finish(
            false,
            new XRayExportError({
              kind: 'TIMEOUT',
              retryable: false,
              message: `the exporter gave no result after ${this.options.exportTimeoutMillis} ms`,
            }),
          ),
        this.options.exportTimeoutMillis,
      );
      watchdog.unref?.();
      try {
        context.with(suppressTracing(context.active()), () => {
          this.options.exporter.export(spans, (result: ExportResult) =>
            finish(result.code === ExportResultCode.SUCCESS, result.error),
          );
        });
      } catch (error) {
        finish(false, error);
      }
    });
  }

  private drop(job: ExportJob): void {
    this.counters.dropped++;
    try {
      this.options.onDrop?.(job);
    } catch {
      // A counting hook must not break the queue.
    }
  }

  private notifyIdle(): void {
    const waiters = [...this.idleWaiters];
    this.idleWaiters.clear();
    for (const waiter of waiters) waiter();
  }
}

/** Runs `task`, resolving `true` if it settles (either way) within `timeoutMillis`. Never rejects. */
async function settleWithin(task: () => Promise<unknown>, timeoutMillis: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, timeoutMillis));
  });
  const done = Promise.resolve()
    .then(task)
    .then(
      () => true,
      (error: unknown) => {
        log.warn('exporter shutdown failed', error instanceof Error ? error.message : String(error));
        return true;
      },
    );
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
