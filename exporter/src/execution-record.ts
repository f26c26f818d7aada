/**
 * The plain data of one execution, from start to completion. `Execution`
 * writes it; `build-spans` reads it once the execution has ended. Keeping it a
 * plain object keeps the hot path (`recordStep`) to a few array pushes.
 */
import type { StepInput } from './step-types.js';
import type { ClockAnchor } from './time.js';

export type ExecutionStatus = 'running' | 'completed' | 'failed';

export interface ExecutionRecord {
  readonly traceId: string;
  readonly executionId: string;
  readonly pipeline: string;
  readonly environment: string | undefined;
  readonly anchor: ClockAnchor;
  metadata: Record<string, unknown> | undefined;
  /** Root span attributes to find the execution by (`startExecution({ tags })`, `setTags`). */
  tags: Record<string, unknown> | undefined;
  status: ExecutionStatus;
  /** `performance.now()` at completion. */
  endPerfMillis: number;
  hasOutcome: boolean;
  outcome: unknown;
  error: unknown;
  /** Kept steps in id order; `undefined` marks a slot trimmed away (see `step-trim.ts`). */
  readonly steps: Array<StepInput | undefined>;
  /** The id (= sequence) of each slot of `steps`, ascending. */
  readonly stepIds: number[];
  /** The id the next recorded step gets. */
  nextStepId: number;
  /** Slots of `steps` holding a step. */
  keptSteps: number;
  /** Slots of `steps` trimmed away and not yet compacted. */
  holes: number;
  /** Where the trimmer resumes looking for a step to give up. */
  trimCursor: number;
  /** Where the trimmer resumes when only failed or running steps are left to give up. */
  trimFallbackCursor: number;
  /** `performance.now()` of each step's default start (where the previous step ended), or its measured start. */
  readonly stepStartPerf: number[];
  /** `performance.now()` when each step was recorded, or its measured end; NaN while a `ctx.step` runs. */
  readonly stepEndPerf: number[];
  /** Steps given up because of `maxStepsPerExecution`. */
  droppedSteps: number;
  /** Of `droppedSteps`, those that had failed (still counted in the error count). */
  droppedFailedSteps: number;
  /** `performance.now()` when the latest recorded step ended: the next step's default start. */
  lastEndPerf: number;
}

/**
 * The record of an execution that starts now. Every field is written out
 * (no spread of `fields`): records then share one hidden class, where a
 * spread object literal cost ~17 us and a new map per execution.
 */
export function createExecutionRecord(
  fields: Pick<ExecutionRecord, 'traceId' | 'executionId' | 'pipeline' | 'environment' | 'anchor' | 'metadata' | 'tags'>,
): ExecutionRecord {
  return {
    traceId: fields.traceId,
    executionId: fields.executionId,
    pipeline: fields.pipeline,
    environment: fields.environment,
    anchor: fields.anchor,
    metadata: fields.metadata,
    tags: fields.tags,
    status: 'running',
    endPerfMillis: fields.anchor.perfMillis,
    hasOutcome: false,
    outcome: undefined,
    error: undefined,
    steps: [],
    stepIds: [],
    stepStartPerf: [],
    stepEndPerf: [],
    nextStepId: 0,
    keptSteps: 0,
    holes: 0,
    trimCursor: 0,
    trimFallbackCursor: 0,
    droppedSteps: 0,
    droppedFailedSteps: 0,
    lastEndPerf: fields.anchor.perfMillis,
  };
}

/**
 * Lets go of an ended execution's steps once its spans are built: the
 * caller may hold the `Execution` long after, and with it the record, but
 * the steps' values (kept by reference) are then only the spans' to carry.
 */
export function releaseSteps(record: ExecutionRecord): void {
  record.steps.length = 0;
  record.stepIds.length = 0;
  record.stepStartPerf.length = 0;
  record.stepEndPerf.length = 0;
}
