/**
 * The X-Ray client. It starts executions, takes them back when they end,
 * builds their spans off the caller's path and hands each one to the export
 * queue as a single OTLP request. Only the constructor may throw (on invalid
 * options); everything after that reports through `stats()` and the log.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RandomIdGenerator, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { addExecutionAttributesToSteps, buildExecutionSpans, type BuildSettings } from './build-spans.js';
import { Execution, type ExecutionSink } from './execution.js';
import { ExecutionContext } from './execution-context.js';
import { createExecutionRecord, releaseSteps, type ExecutionRecord } from './execution-record.js';
import { ExportQueue } from './export-queue.js';
import { createFlushReport, flushAndReport, type FlushOptions, type FlushReport, type ReportCounters } from './flush-report.js';
import { log } from './log.js';
import { resolveOptions, type ResolvedOptions, type XRayOptions } from './options.js';
import { dropError } from './export-error.js';
import type { Platform } from './platform/platform.js';
import { sendScore, type ScoreInput, type ScoreResult } from './score.js';
import { ATTR_DEPLOYMENT_ENVIRONMENT_NAME, ATTR_SERVICE_NAME } from './semconv.js';
import { splitIntoRequests } from './split-requests.js';
import { createClientCounters, type ClientCounters, type XRayStats } from './stats.js';
import type { StartExecutionOptions } from './step-types.js';
import { createClockAnchor } from './time.js';
import { isPlainObject } from './validate.js';
import { SDK_NAME, SDK_VERSION } from './version.js';

const ids = new RandomIdGenerator();

/** The client, on any platform; `XRay` (Node) and the browser entry's `XRay` bind it to theirs. */
export class XRayCore {
  private readonly options: ResolvedOptions;
  private readonly platform: Platform;
  private readonly counters: ClientCounters = createClientCounters();
  private readonly queue: ExportQueue;
  private readonly sink: ExecutionSink;
  private readonly build: BuildSettings;
  /** Ended executions whose spans are not built yet. */
  private toBuild: ExecutionRecord[] = [];
  private buildScheduled = false;
  private closed = false;
  private shutdownReport: Promise<FlushReport> | undefined;

  /**
   * @internal Use `new XRay(options)`, which passes its platform. Throws a
   * TypeError naming the option if `options` is invalid, or if there is no
   * API key (option, `XRAY_API_KEY` or OTEL headers) and no `exporter`.
   */
  constructor(options: XRayOptions, platform: Platform) {
    this.platform = platform;
    this.options = resolveOptions(options, platform);
    const resource = resourceFromAttributes(this.options.resourceAttributes);
    this.queue = new ExportQueue({
      exporter: this.options.exporter,
      reporter: this.options.reporter,
      maxPendingJobs: this.options.maxPendingExecutions,
      maxConcurrentExports: this.options.maxConcurrentExports,
      // A margin over the exporter's own request timeout, so its verdict normally arrives first.
      exportTimeoutMillis: this.options.timeoutMillis + 1000,
    });
    const counters = this.counters;
    this.sink = {
      counters,
      maxStepsPerExecution: this.options.maxStepsPerExecution,
      onExecutionEnd: (record) => this.accept(record),
    };
    this.build = {
      resource,
      instrumentationScope: { name: SDK_NAME, version: SDK_VERSION },
      maxAttributeBytes: this.options.maxAttributeBytes,
      resourceEnvironment: this.options.resourceAttributes[ATTR_DEPLOYMENT_ENVIRONMENT_NAME],
      counters,
    };
  }

  /**
   * Starts recording an execution. Record steps on the returned object, then
   * call `completeExecution()` or `failExecution(err)`. Never throws; an
   * unusable option falls back to the client's default.
   *
   * @example
   * const execution = xray.startExecution({ metadata: { userId: '123' }, tags: { applicantId: 'A-1042' } });
   * execution.recordStep({ name: 'fetch_credit_score', output: { score: 750 } });
   * execution.completeExecution({ approved: true });
   */
  startExecution(options?: StartExecutionOptions): Execution {
    const traceId = ids.generateTraceId();
    const chosen = readExecutionOptions(options);
    const anchor = createClockAnchor();
    this.counters.executionsStarted++;
    return new Execution(
      createExecutionRecord({
        traceId,
        executionId: chosen.executionId ?? traceId,
        pipeline: chosen.pipeline ?? this.options.pipeline,
        environment: chosen.environment ?? this.options.environment,
        anchor,
        metadata: chosen.metadata,
        tags: chosen.tags,
      }),
      this.sink,
    );
  }

  /**
   * Runs `fn` as one execution of `pipeline`. Use `ctx.step` inside it to
   * record steps. The execution completes with `fn`'s result as its outcome,
   * or fails with what `fn` threw, which is then rethrown.
   *
   * @example
   * const movie = await xray.trackExecution('movie_rec', async (ctx) => {
   *   const prefs = await ctx.step('fetch_preferences', () => loadPreferences(userId));
   *   return ctx.step('rank', () => rank(prefs), prefs);
   * });
   */
  async trackExecution<T>(
    pipeline: string,
    fn: (ctx: ExecutionContext) => T | PromiseLike<T>,
    options?: Omit<StartExecutionOptions, 'pipeline'>,
  ): Promise<T> {
    const execution = this.startExecution({ ...(isPlainObject(options) ? options : {}), pipeline });
    let result: T;
    try {
      result = await fn(new ExecutionContext(execution, this.platform.stepScope));
    } catch (error) {
      execution.failExecution(error);
      throw error;
    }
    execution.completeExecution(result);
    return result;
  }

  /**
   * Attaches a judgement to an execution already sent (by any client of the
   * same app): a number, true/false or a label, with an optional comment,
   * author and step. One request to the collector with this client's endpoint
   * and key (which needs the `ingest` scope). Never rejects: the result says
   * whether the score was stored and, if not, why (`code`, `message`).
   *
   * @example
   * const result = await xray.score(executionId, { name: 'correct', value: false, comment: 'wrong tier', author: 'alice' });
   * if (!result.ok) console.warn('score not stored', result.code, result.message);
   */
  score(executionId: string, score: ScoreInput): Promise<ScoreResult> {
    const { api, timeoutMillis } = this.options;
    return sendScore({ ...api, timeoutMillis }, executionId, score);
  }

  /**
   * The client's counters: what was started, exported, dropped, truncated.
   *
   * @example
   * const { executionsDropped, stepsDropped } = xray.stats();
   */
  stats(): XRayStats {
    const c = this.counters;
    const q = this.queue.counters;
    return {
      executionsStarted: c.executionsStarted,
      executionsCompleted: c.executionsCompleted,
      executionsExported: q.sent,
      executionsDropped: c.executionsRefused + q.dropped,
      exportFailures: q.failed,
      requestsSent: q.requestsSent,
      pending: this.toBuild.length + this.queue.pending,
      exportErrors: this.options.reporter.counts(),
      exportRetries: this.options.exporterCounters?.retries ?? 0,
      spansRejected: this.options.exporterCounters?.spansRejected ?? 0,
      stepsRecorded: c.stepsRecorded,
      stepsDropped: c.stepsDropped,
      attributesTruncated: c.attributesTruncated,
      serializationFailures: c.serializationFailures,
      duplicateCompletions: c.duplicateCompletions,
    };
  }

  /**
   * Exports every ended execution now and waits for the exports, up to
   * `timeoutMillis` (default: the client's `timeoutMillis`). Never rejects.
   *
   * @example
   * const { sent, failed, timedOut } = await xray.flush({ timeoutMillis: 2000 });
   */
  flush(options?: FlushOptions): Promise<FlushReport> {
    return flushAndReport(
      () => this.reportCounters(),
      () => this.drainBuilds(),
      (timeoutMillis) => this.queue.whenIdle(timeoutMillis),
      this.timeoutOf(options),
      (error) => log.error('flush failed', error instanceof Error ? error.message : String(error)),
    );
  }

  /**
   * Exports what is pending, then shuts the exporter down. Executions that end
   * afterwards are dropped and counted. Safe to call twice; never rejects.
   *
   * @example
   * process.on('SIGTERM', async () => { await xray.shutdown({ timeoutMillis: 5000 }); process.exit(0); });
   */
  shutdown(options?: FlushOptions): Promise<FlushReport> {
    this.shutdownReport ??= this.shutdownOnce(this.timeoutOf(options));
    return this.shutdownReport;
  }

  private async shutdownOnce(timeoutMillis: number): Promise<FlushReport> {
    const before = this.reportCounters();
    this.closed = true;
    try {
      this.drainBuilds();
      const done = await this.queue.shutdown(timeoutMillis);
      return createFlushReport(before, this.reportCounters(), !done);
    } catch (error) {
      log.error('shutdown failed', error instanceof Error ? error.message : String(error));
      return createFlushReport(before, this.reportCounters(), true);
    }
  }

  /** Takes back an ended execution; it is built on a later turn of the event loop. */
  private accept(record: ExecutionRecord): void {
    this.counters.executionsCompleted++;
    if (this.closed || this.toBuild.length + this.queue.pending >= this.options.maxPendingExecutions) {
      this.counters.executionsRefused++;
      this.options.reporter.report(dropError(this.closed, 'execution dropped'));
      return;
    }
    this.toBuild.push(record);
    if (!this.buildScheduled) {
      this.buildScheduled = true;
      this.platform.defer(() => this.drainBuilds());
    }
  }

  /**
   * Queues every waiting execution for export. Each is built when its export
   * starts, not now: only the executions being exported hold built spans,
   * which keeps a burst of completions from holding all their spans at once.
   */
  private drainBuilds(): void {
    this.buildScheduled = false;
    const records = this.toBuild;
    this.toBuild = [];
    for (const record of records) this.queue.enqueue(() => this.buildRequests(record));
  }

  /** The export calls of one execution, or `undefined` (counted) if it cannot be built. */
  private buildRequests(record: ExecutionRecord): ReadableSpan[][] | undefined {
    try {
      const spans = buildExecutionSpans(record, this.build);
      releaseSteps(record);
      let requests = splitIntoRequests(spans, this.options.maxRequestBytes);
      if (requests.length > 1) {
        addExecutionAttributesToSteps(spans, record);
        requests = splitIntoRequests(spans, this.options.maxRequestBytes);
      }
      return requests;
    } catch (error) {
      this.counters.executionsRefused++;
      this.counters.serializationFailures++;
      log.error('could not build execution', error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }

  private reportCounters(): ReportCounters {
    const stats = this.stats();
    return { sent: stats.executionsExported, dropped: stats.executionsDropped, failed: stats.exportFailures, pending: stats.pending };
  }

  private timeoutOf(options: FlushOptions | undefined): number {
    const timeout = isPlainObject(options) ? options.timeoutMillis : undefined;
    return typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0 ? timeout : this.options.timeoutMillis;
  }
}

/** Reads `startExecution` options defensively: a wrong type means "not given". */
function readExecutionOptions(options: unknown): StartExecutionOptions {
  // `startExecution('name')` is an easy mistake; read it as the pipeline rather than ignore it.
  if (typeof options === 'string' && options.length > 0) return { pipeline: options };
  if (!isPlainObject(options)) return {};
  try {
    return {
      pipeline: nonEmptyString(options.pipeline),
      executionId: nonEmptyString(options.executionId),
      environment: nonEmptyString(options.environment),
      metadata: options.metadata !== null && typeof options.metadata === 'object' ? { ...(options.metadata as object) } : undefined,
      tags: isPlainObject(options.tags) ? (options.tags as StartExecutionOptions['tags']) : undefined,
    };
  } catch {
    return {};
  }
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
