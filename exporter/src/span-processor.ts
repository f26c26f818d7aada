/**
 * A drop-in OpenTelemetry SpanProcessor that turns traces into X-Ray
 * executions. Each local root span (no parent, or a remote one) is an
 * execution; every descendant is a step, its parent kept, so nested and
 * parallel work keeps its tree.
 *
 * Spans are buffered per execution and exported as ONE batch once the root
 * and every descendant that started have ended. Descendants still running
 * `graceMillis` after the root ended do not hold the batch: it goes without
 * them, and they follow in a later batch when they end. After
 * `maxTraceAgeMillis` an execution's ended spans are sent and its unfinished
 * ones dropped (counted). Exports run through the same queue as the client's:
 * bounded, `maxConcurrentExports` at a time, with tracing suppressed.
 */
import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportQueue, type ExportJob } from './export-queue.js';
import { createFlushReport, flushAndReport, type FlushOptions, type FlushReport, type ReportCounters } from './flush-report.js';
import { log } from './log.js';
import type { Platform } from './platform/platform.js';
import { createResourceFill } from './resource-fill.js';
import {
  ATTR_XRAY_ENVIRONMENT,
  ATTR_XRAY_EXECUTION_ID,
  ATTR_XRAY_EXECUTION_ROOT,
  ATTR_XRAY_PIPELINE,
  ATTR_XRAY_STEP_SEQUENCE,
} from './semconv.js';
import {
  resolveSpanProcessorOptions,
  type ResolvedSpanProcessorOptions,
  type XRaySpanProcessorOptions,
} from './span-processor-options.js';
import { splitIntoRequests } from './split-requests.js';
import { createExecutionBuffer, isFailedStep, takeBatch, type ExecutionBuffer } from './trace-buffer.js';

/** A snapshot of the processor's counters (`pending`, `tracesBuffered`, `spansBuffered` are current). */
export interface XRaySpanProcessorStats {
  /** Local root spans tracked as executions. */
  executionsStarted: number;
  /** Root spans refused because `maxBufferedTraces` executions were buffered. */
  tracesDropped: number;
  /** Spans not exported: refused by a cap, under a dropped parent, unfinished at max age or shutdown, or in a dropped batch. */
  spansDropped: number;
  /** Batches exported successfully. */
  batchesSent: number;
  /** Batches after an execution's first (stragglers, or split by `forceFlush`). */
  followUpBatches: number;
  /** Batches whose export failed or timed out. */
  exportFailures: number;
  /** Export calls made. */
  requestsSent: number;
  /** Batches waiting or in flight. */
  pending: number;
  /** Executions still collecting spans. */
  tracesBuffered: number;
  /** Spans held in the buffer, running or ended. */
  spansBuffered: number;
  /** Failures by kind; each kind is reported once through `onError` and `diag`. */
  exportErrors: Record<string, number>;
  /** Requests sent again after a retryable failure. */
  exportRetries: number;
  /** Spans the collector accepted the request for but rejected (OTLP partial success). */
  spansRejected: number;
}

/** The processor, on any platform; `XRaySpanProcessor` binds it to Node's. */
export class XRaySpanProcessorCore implements SpanProcessor {
  private readonly options: ResolvedSpanProcessorOptions;
  private readonly fillResource: ((resource: Resource) => Resource) | undefined;
  private readonly queue: ExportQueue;
  /** `traceId + spanId` of every tracked span -> its execution. */
  private readonly index = new Map<string, ExecutionBuffer>();
  private readonly live = new Set<ExecutionBuffer>();
  /** Sent executions kept a little longer for late-starting descendants; in settle order. */
  private readonly settled = new Set<ExecutionBuffer>();
  private readonly counters = { executionsStarted: 0, tracesDropped: 0, spansDropped: 0, followUpBatches: 0 };
  private readonly sweepIntervalMillis: number;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  private shutdownReport: Promise<FlushReport> | undefined;

  /**
   * @internal Use `new XRaySpanProcessor(options)`, which passes its platform.
   * Throws a TypeError naming the option if `options` is invalid, or if there
   * is no API key (option, `XRAY_API_KEY` or OTEL headers) and no `exporter`.
   */
  constructor(options: XRaySpanProcessorOptions, platform: Platform) {
    this.options = resolveSpanProcessorOptions(options, platform);
    this.fillResource = this.options.resourceFill === undefined ? undefined : createResourceFill(this.options.resourceFill);
    this.queue = new ExportQueue({
      exporter: this.options.exporter,
      reporter: this.options.reporter,
      maxPendingJobs: this.options.maxPendingBatches,
      maxConcurrentExports: this.options.maxConcurrentExports,
      exportTimeoutMillis: this.options.timeoutMillis + 1000,
      onDrop: (job) => {
        this.counters.spansDropped += countSpans(job);
      },
    });
    const shortest = Math.min(this.options.graceMillis, this.options.maxTraceAgeMillis);
    this.sweepIntervalMillis = Math.min(1000, Math.max(10, Math.floor(shortest / 2)));
  }

  /** Tags the span with its execution and registers it in the buffer. */
  onStart(span: Span, _parentContext: Context): void {
    if (this.closed) return;
    try {
      const parent = span.parentSpanContext;
      if (parent === undefined || parent.isRemote === true) {
        this.startExecution(span, parent !== undefined);
        return;
      }
      const buffer = this.index.get(span.spanContext().traceId + parent.spanId);
      if (buffer === undefined) {
        // The parent is local but untracked: it was dropped, or its execution is long gone.
        this.counters.spansDropped++;
        return;
      }
      this.startStep(span, buffer);
    } catch (error) {
      log.error('onStart failed', error instanceof Error ? error.message : String(error));
    }
  }

  /** Buffers the ended span and exports its execution once nothing in it is still running. */
  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    try {
      const spanContext = span.spanContext();
      const buffer = this.index.get(spanContext.traceId + spanContext.spanId);
      // Untracked spans were counted when they were dropped.
      if (buffer === undefined) return;
      buffer.open--;
      if (spanContext.spanId === buffer.rootSpanId) {
        buffer.root = span;
        buffer.rootEnded = true;
        buffer.graceDeadlineMillis = Date.now() + this.options.graceMillis;
      } else if (isFailedStep(span)) {
        buffer.ended.push(span);
        buffer.stepErrors++;
      } else if (buffer.overCap.delete(spanContext.spanId)) {
        buffer.droppedSpans++;
        this.counters.spansDropped++;
      } else {
        buffer.ended.push(span);
      }
      if (buffer.rootEnded && buffer.open === 0) {
        this.send(buffer);
        this.settle(buffer);
      }
    } catch (error) {
      log.error('onEnd failed', error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Exports every ended span now (executions still running are sent in part;
   * the rest follows) and waits for the exports. Never rejects.
   *
   * @example
   * const { sent, failed, timedOut } = await processor.flush({ timeoutMillis: 2000 });
   */
  flush(options?: FlushOptions): Promise<FlushReport> {
    return flushAndReport(
      () => this.reportCounters(),
      () => {
        for (const buffer of [...this.live]) this.send(buffer);
      },
      (timeoutMillis) => this.queue.whenIdle(timeoutMillis),
      this.timeoutOf(options),
      (error) => log.error('flush failed', error instanceof Error ? error.message : String(error)),
    );
  }

  /**
   * Sends every ended span, drops (and counts) spans still running, waits for
   * the exports and shuts the exporter down. Later calls return the first
   * call's report; never rejects.
   *
   * @example
   * const { sent, dropped } = await processor.close({ timeoutMillis: 5000 });
   */
  close(options?: FlushOptions): Promise<FlushReport> {
    this.shutdownReport ??= this.shutdownOnce(this.timeoutOf(options));
    return this.shutdownReport;
  }

  /** SpanProcessor hook (`provider.forceFlush()`): {@link flush} with the default timeout. */
  async forceFlush(): Promise<void> {
    await this.flush();
  }

  /** SpanProcessor hook (`provider.shutdown()`): {@link close} with the default timeout. */
  async shutdown(): Promise<void> {
    await this.close();
  }

  /**
   * The processor's counters.
   *
   * @example
   * const { spansDropped, followUpBatches } = processor.stats();
   */
  stats(): XRaySpanProcessorStats {
    let spansBuffered = 0;
    for (const buffer of this.live) spansBuffered += buffer.open + buffer.ended.length + (buffer.root === undefined ? 0 : 1);
    const queue = this.queue.counters;
    return {
      executionsStarted: this.counters.executionsStarted,
      tracesDropped: this.counters.tracesDropped,
      spansDropped: this.counters.spansDropped,
      batchesSent: queue.sent,
      followUpBatches: this.counters.followUpBatches,
      exportFailures: queue.failed,
      requestsSent: queue.requestsSent,
      pending: this.queue.pending,
      tracesBuffered: this.live.size,
      spansBuffered,
      exportErrors: this.options.reporter.counts(),
      exportRetries: this.options.exporterCounters?.retries ?? 0,
      spansRejected: this.options.exporterCounters?.spansRejected ?? 0,
    };
  }

  private async shutdownOnce(timeoutMillis: number): Promise<FlushReport> {
    const before = this.reportCounters();
    try {
      for (const buffer of [...this.live]) {
        this.send(buffer);
        this.counters.spansDropped += buffer.open;
        this.forget(buffer);
      }
      for (const buffer of [...this.settled]) this.forget(buffer);
      this.closed = true;
      this.stopSweeper();
      const done = await this.queue.shutdown(timeoutMillis);
      return createFlushReport(before, this.reportCounters(), !done);
    } catch (error) {
      this.closed = true;
      log.error('shutdown failed', error instanceof Error ? error.message : String(error));
      return createFlushReport(before, this.reportCounters(), true);
    }
  }

  private startExecution(span: Span, remoteParent: boolean): void {
    if (this.live.size + this.settled.size >= this.options.maxBufferedTraces) {
      // Make room by forgetting the oldest sent execution before refusing a new one.
      const oldest = this.settled.values().next().value;
      if (oldest === undefined) {
        this.counters.tracesDropped++;
        this.counters.spansDropped++;
        return;
      }
      this.forget(oldest);
    }
    const { traceId, spanId } = span.spanContext();
    // Under a remote parent the trace is shared with other services; the root's own id makes the execution unique.
    const executionId = remoteParent ? traceId + spanId : traceId;
    const given = span.attributes[ATTR_XRAY_PIPELINE];
    const pipeline = typeof given === 'string' && given.length > 0 ? given : (this.options.pipeline ?? span.name);
    span.setAttribute(ATTR_XRAY_EXECUTION_ID, executionId);
    span.setAttribute(ATTR_XRAY_EXECUTION_ROOT, true);
    if (given !== pipeline) span.setAttribute(ATTR_XRAY_PIPELINE, pipeline);
    this.tagEnvironment(span);
    const buffer = createExecutionBuffer(executionId, traceId, spanId, pipeline, Date.now());
    this.track(buffer, span);
    this.live.add(buffer);
    this.counters.executionsStarted++;
    this.ensureSweeper();
  }

  private startStep(span: Span, buffer: ExecutionBuffer): void {
    const cap = this.options.maxSpansPerTrace;
    if (buffer.keys.length >= 2 * cap) {
      // Past twice the cap even a failure cannot be kept: bounded memory wins.
      buffer.droppedSpans++;
      this.counters.spansDropped++;
      return;
    }
    if (buffer.state === 'settled') {
      // A descendant starting after its execution was sent: collect it again.
      this.settled.delete(buffer);
      buffer.state = 'live';
      buffer.forgetAtMillis = Number.POSITIVE_INFINITY;
      this.live.add(buffer);
      this.ensureSweeper();
    }
    span.setAttribute(ATTR_XRAY_EXECUTION_ID, buffer.executionId);
    span.setAttribute(ATTR_XRAY_PIPELINE, buffer.pipeline);
    span.setAttribute(ATTR_XRAY_STEP_SEQUENCE, buffer.stepsStarted);
    this.tagEnvironment(span);
    buffer.stepsStarted++;
    // Over the cap a span is kept only if it ends failed (decided in onEnd), so no failure is hidden.
    if (buffer.keys.length >= cap) buffer.overCap.add(span.spanContext().spanId);
    this.track(buffer, span);
  }

  private tagEnvironment(span: Span): void {
    if (this.options.environment !== undefined && span.attributes[ATTR_XRAY_ENVIRONMENT] === undefined) {
      span.setAttribute(ATTR_XRAY_ENVIRONMENT, this.options.environment);
    }
  }

  private track(buffer: ExecutionBuffer, span: Span): void {
    const { traceId, spanId } = span.spanContext();
    const key = traceId + spanId;
    buffer.keys.push(key);
    buffer.open++;
    this.index.set(key, buffer);
  }

  /** Queues whatever `buffer` has ended and unsent as one batch. */
  private send(buffer: ExecutionBuffer): void {
    const batch = takeBatch(buffer, this.fillResource);
    if (batch.length === 0) return;
    if (buffer.batchesSent > 0) this.counters.followUpBatches++;
    buffer.batchesSent++;
    this.queue.enqueue(splitIntoRequests(batch, this.options.maxRequestBytes));
  }

  /** Everything started has been sent; keep the index a little longer for late starters. */
  private settle(buffer: ExecutionBuffer): void {
    this.live.delete(buffer);
    buffer.state = 'settled';
    buffer.forgetAtMillis = Date.now() + this.options.graceMillis;
    this.settled.delete(buffer);
    this.settled.add(buffer);
  }

  private forget(buffer: ExecutionBuffer): void {
    this.live.delete(buffer);
    this.settled.delete(buffer);
    for (const key of buffer.keys) {
      if (this.index.get(key) === buffer) this.index.delete(key);
    }
  }

  /** Periodic: ends grace windows, enforces max age, forgets settled executions. */
  private sweep(): void {
    try {
      const now = Date.now();
      // A snapshot: an export can start spans (if nothing suppresses them), which would add to `live`.
      for (const buffer of [...this.live]) {
        if (now - buffer.startedAtMillis >= this.options.maxTraceAgeMillis) {
          this.send(buffer);
          this.counters.spansDropped += buffer.open;
          log.warn('execution exceeded maxTraceAgeMillis; unfinished spans dropped', buffer.executionId);
          this.forget(buffer);
        } else if (buffer.rootEnded && now >= buffer.graceDeadlineMillis) {
          // Grace is over: send what has ended; the rest follows as it ends.
          this.send(buffer);
        }
      }
      for (const buffer of this.settled) {
        if (buffer.forgetAtMillis > now) break;
        this.forget(buffer);
      }
      if (this.live.size === 0 && this.settled.size === 0) this.stopSweeper();
    } catch (error) {
      log.error('sweep failed', error instanceof Error ? error.message : String(error));
    }
  }

  private ensureSweeper(): void {
    if (this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), this.sweepIntervalMillis);
    this.sweeper.unref?.();
  }

  private stopSweeper(): void {
    if (this.sweeper === undefined) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private reportCounters(): ReportCounters {
    return {
      sent: this.queue.counters.sent,
      dropped: this.counters.spansDropped,
      failed: this.queue.counters.failed,
      pending: this.queue.pending,
    };
  }

  private timeoutOf(options: FlushOptions | undefined): number {
    const timeout = options !== null && typeof options === 'object' ? options.timeoutMillis : undefined;
    return typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0 ? timeout : this.options.timeoutMillis;
  }
}

function countSpans(job: ExportJob): number {
  let count = 0;
  // The processor queues built batches only; a job still to be built has no spans to count.
  if (typeof job === 'function') return count;
  for (const request of job) count += request.length;
  return count;
}
