/**
 * One execution of a pipeline, held in memory until it completes. Recording a
 * step is a couple of array pushes: no I/O, no serialization, no validation
 * beyond what keeps the record sane. Completing hands the record to the
 * client, which builds and exports it later. Nothing here throws.
 */
import type { ExecutionRecord } from './execution-record.js';
import { log } from './log.js';
import type { StepId, StepInput } from './step-types.js';
import { slotOfStep, trimOneStep } from './step-trim.js';

/** Counters an execution bumps; part of the client's stats. */
export interface StepCounters {
  stepsRecorded: number;
  stepsDropped: number;
  duplicateCompletions: number;
}

/** What an execution reports to when it ends; implemented by the client. */
export interface ExecutionSink {
  readonly counters: StepCounters;
  readonly maxStepsPerExecution: number;
  onExecutionEnd(record: ExecutionRecord): void;
}

const NOT_RECORDED: StepId = -1;

export class Execution {
  private readonly record: ExecutionRecord;
  private readonly sink: ExecutionSink;
  private warnedTrim = false;

  /** @internal Created by `XRay.startExecution`. */
  constructor(record: ExecutionRecord, sink: ExecutionSink) {
    this.record = record;
    this.sink = sink;
  }

  /** The execution id: yours if you passed one, else the trace id in hex. */
  get executionId(): string {
    return this.record.executionId;
  }

  /** The OTLP trace id (32 hex characters) all of this execution's spans share. */
  get traceId(): string {
    return this.record.traceId;
  }

  /** The pipeline this execution belongs to. */
  get pipeline(): string {
    return this.record.pipeline;
  }

  /** `true` once `completeExecution` or `failExecution` has been called. */
  get ended(): boolean {
    return this.record.status !== 'running';
  }

  /**
   * Records one step. Does no I/O and no serialization: `input` and `output`
   * are kept by reference and serialized when the execution is exported. Never
   * throws; a step that cannot be recorded is counted in `stats().stepsDropped`.
   *
   * @returns the step's id, for `parentStepId`, or `-1` if it was dropped.
   * @example
   * const id = execution.recordStep({ name: 'fetch_credit_score', input: { userId: '123' }, output: { score: 750 } });
   * execution.recordStep({ name: 'normalize_score', output: 0.75, parentStepId: id });
   */
  recordStep(step: StepInput): StepId {
    try {
      const record = this.record;
      if (record.status !== 'running' || step === null || typeof step !== 'object' || typeof step.name !== 'string') {
        return this.dropStep(record.status !== 'running' ? 'step recorded after completion' : 'step without a name');
      }
      const now = performance.now();
      const id = this.pushStep(step, record.lastEndPerf, now);
      record.lastEndPerf = now;
      this.sink.counters.stepsRecorded++;
      return id;
    } catch {
      return this.dropStep('unreadable step');
    }
  }

  /**
   * Merges `metadata` into the execution's metadata (sent as JSON on the root span).
   *
   * @example
   * execution.setMetadata({ userId: '123', experiment: 'b' });
   */
  setMetadata(metadata: Record<string, unknown>): void {
    try {
      if (this.record.status !== 'running' || metadata === null || typeof metadata !== 'object') return;
      this.record.metadata = { ...this.record.metadata, ...metadata };
    } catch {
      log.debug('setMetadata ignored an unreadable object');
    }
  }

  /**
   * Adds business keys to find the execution by (root span attributes; see
   * `startExecution({ tags })`). Later values win.
   *
   * @example
   * execution.setTags({ applicantId: 'A-1042' });
   */
  setTags(tags: Record<string, string | number | boolean>): void {
    try {
      if (this.record.status !== 'running' || tags === null || typeof tags !== 'object') return;
      this.record.tags = { ...this.record.tags, ...tags };
    } catch {
      log.debug('setTags ignored an unreadable object');
    }
  }

  /**
   * Marks the execution completed and hands it off for export; returns at once.
   * A second call (of this or `failExecution`) is ignored and counted.
   *
   * @example
   * execution.completeExecution({ approved: true });
   */
  completeExecution(outcome?: unknown): void {
    if (!this.end('completed')) return;
    if (outcome !== undefined) {
      this.record.hasOutcome = true;
      this.record.outcome = outcome;
    }
    this.handOff();
  }

  /**
   * Marks the execution failed with `error` and hands it off for export;
   * returns at once. A second call is ignored and counted.
   *
   * @example
   * try { await decide(); execution.completeExecution(); } catch (err) { execution.failExecution(err); }
   */
  failExecution(error?: unknown): void {
    if (!this.end('failed')) return;
    this.record.error = error;
    this.handOff();
  }

  /**
   * @internal Reserves a step for `ctx.step`, which knows the step's outcome
   * only when it ends. Until `_fillStep`, the placeholder stands in; if the
   * execution completes first, it is exported as unfinished.
   */
  _reserveStep(placeholder: StepInput, startPerf: number): StepId {
    const record = this.record;
    if (record.status !== 'running') return this.dropStep('step started after completion');
    return this.pushStep(placeholder, startPerf, Number.NaN);
  }

  /** @internal Replaces the placeholder from `_reserveStep` with the finished step. */
  _fillStep(id: StepId, step: StepInput, endPerf: number): void {
    const record = this.record;
    if (id < 0) return;
    if (record.status !== 'running') {
      // Already handed off: the placeholder went out as an unfinished step.
      this.dropStep('step finished after completion');
      return;
    }
    const slot = slotOfStep(record, id);
    // Trimmed away while it ran (only when the cap holds nothing but failed and running steps); already counted.
    if (slot < 0) return;
    record.steps[slot] = step;
    record.stepEndPerf[slot] = endPerf;
    if (endPerf > record.lastEndPerf) record.lastEndPerf = endPerf;
    this.sink.counters.stepsRecorded++;
  }

  /** Appends a step, first trimming one if the cap is reached; returns its id. */
  private pushStep(step: StepInput, startPerf: number, endPerf: number): StepId {
    const record = this.record;
    if (record.keptSteps >= this.sink.maxStepsPerExecution) {
      trimOneStep(record, this.sink.maxStepsPerExecution);
      this.sink.counters.stepsDropped++;
      if (!this.warnedTrim) {
        this.warnedTrim = true;
        log.debug('maxStepsPerExecution reached; trimming steps (failed, first and last steps are kept)', record.executionId);
      }
    }
    const id = record.nextStepId++;
    record.steps.push(step);
    record.stepIds.push(id);
    record.stepStartPerf.push(startPerf);
    record.stepEndPerf.push(endPerf);
    record.keptSteps++;
    return id;
  }

  private end(status: 'completed' | 'failed'): boolean {
    if (this.record.status !== 'running') {
      this.sink.counters.duplicateCompletions++;
      log.debug('execution already ended; call ignored', this.record.executionId);
      return false;
    }
    this.record.status = status;
    this.record.endPerfMillis = performance.now();
    return true;
  }

  private handOff(): void {
    try {
      this.sink.onExecutionEnd(this.record);
    } catch (error) {
      log.error('could not hand off execution', error instanceof Error ? error.message : String(error));
    }
  }

  private dropStep(reason: string): StepId {
    this.sink.counters.stepsDropped++;
    log.debug('step dropped:', reason);
    return NOT_RECORDED;
  }
}
