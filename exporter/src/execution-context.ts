/**
 * The `ctx` handed to `trackExecution` callbacks. `ctx.step` times a function,
 * records its output or error, and keeps nesting: a step started inside
 * another step's function (even across `await`, even in parallel branches)
 * records that step as its parent, tracked with the platform's scope store
 * (AsyncLocalStorage under Node).
 */
import type { Execution } from './execution.js';
import type { ScopeStore } from './platform/platform.js';
import { STEP_STATUS_COMPLETED, STEP_STATUS_FAILED, STEP_STATUS_UNFINISHED } from './semconv.js';
import type { StepId, StepInput } from './step-types.js';

interface StepScope {
  readonly execution: Execution;
  readonly stepId: StepId;
}

export class ExecutionContext {
  private readonly execution: Execution;
  private readonly currentStep: ScopeStore<StepScope>;

  /** @internal Created by `XRay.trackExecution`. */
  constructor(execution: Execution, currentStep: ScopeStore<unknown>) {
    this.execution = execution;
    this.currentStep = currentStep as ScopeStore<StepScope>;
  }

  /** The id of the execution being tracked. */
  get executionId(): string {
    return this.execution.executionId;
  }

  /**
   * Runs `fn` as a step: times it, records its result as the step's output (or
   * its error, with status `failed`), and returns or rethrows what `fn` did.
   * Steps started inside `fn` are recorded as its children.
   *
   * @example
   * const prefs = await ctx.step('fetch_preferences', () => db.preferences(userId), { userId });
   */
  async step<T>(name: string, fn: () => T | PromiseLike<T>, input?: unknown): Promise<T> {
    const execution = this.execution;
    const parentStepId = this.currentParent();
    const start = performance.now();
    const id = execution._reserveStep({ name, input, parentStepId, status: STEP_STATUS_UNFINISHED }, start);
    // A dropped step (id -1) is transparent: its children attach to its parent.
    const scope: StepScope = { execution, stepId: id >= 0 ? id : (parentStepId ?? -1) };
    let output: T;
    try {
      output = await this.currentStep.run(scope, fn);
    } catch (error) {
      execution._fillStep(id, { name, input, error, status: STEP_STATUS_FAILED, parentStepId }, performance.now());
      throw error;
    }
    execution._fillStep(id, { name, input, output, status: STEP_STATUS_COMPLETED, parentStepId }, performance.now());
    return output;
  }

  /**
   * Records a step you timed yourself, like `Execution.recordStep`. Inside a
   * `ctx.step` it defaults `parentStepId` to that step.
   *
   * @example
   * ctx.recordStep({ name: 'score', input: features, output: 0.82, reasoning: 'above threshold' });
   */
  recordStep(step: StepInput): StepId {
    const parentStepId = this.currentParent();
    if (parentStepId === undefined) return this.execution.recordStep(step);
    try {
      if (step !== null && typeof step === 'object' && step.parentStepId === undefined) {
        return this.execution.recordStep({ ...step, parentStepId });
      }
    } catch {
      // An unreadable step: let recordStep count the drop.
    }
    return this.execution.recordStep(step);
  }

  /**
   * Merges `metadata` into the execution's metadata.
   *
   * @example
   * ctx.setMetadata({ userId: 'user-123' });
   */
  setMetadata(metadata: Record<string, unknown>): void {
    this.execution.setMetadata(metadata);
  }

  /**
   * Adds business keys to find the execution by (see `startExecution({ tags })`).
   *
   * @example
   * ctx.setTags({ applicantId: 'A-1042' });
   */
  setTags(tags: Record<string, string | number | boolean>): void {
    this.execution.setTags(tags);
  }

  private currentParent(): StepId | undefined {
    const scope = this.currentStep.getStore();
    return scope !== undefined && scope.execution === this.execution && scope.stepId >= 0 ? scope.stepId : undefined;
  }
}
