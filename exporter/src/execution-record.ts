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
  status: ExecutionStatus;
  /** `performance.now()` at completion. */
  endPerfMillis: number;
  hasOutcome: boolean;
  outcome: unknown;
  error: unknown;
  /** Index = step id = sequence. */
  readonly steps: StepInput[];
  /** `performance.now()` of each step's default start (where the previous step ended), or its measured start. */
  readonly stepStartPerf: number[];
  /** `performance.now()` when each step was recorded, or its measured end; NaN while a `ctx.step` runs. */
  readonly stepEndPerf: number[];
  /** Steps refused because of `maxStepsPerExecution`. */
  droppedSteps: number;
  /** `performance.now()` when the latest recorded step ended: the next step's default start. */
  lastEndPerf: number;
}
