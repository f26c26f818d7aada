/**
 * The shapes users pass in: one step of a decision pipeline, and the options
 * for starting an execution.
 */
import type { TimeInput } from './time.js';

/**
 * Identifies a recorded step within its execution, for `parentStepId`.
 * `-1` means the step was not recorded (dropped; see `stats()`).
 */
export type StepId = number;

/** One step of an execution, as passed to `recordStep`. Only `name` is required. */
export interface StepInput {
  /** Step name, e.g. `fetch_credit_score`. */
  name: string;
  /** What the step consumed. Strings are sent as text, anything else as JSON. Serialized when the execution completes, so do not mutate it afterwards. */
  input?: unknown;
  /** What the step produced; same rules as `input`. */
  output?: unknown;
  /** Why the step decided what it did. */
  reasoning?: string;
  /** `completed` (default), `failed` (default when `error` is set), or any status of your own. */
  status?: 'completed' | 'failed' | (string & {});
  /** What went wrong; recorded as an `exception` event. */
  error?: unknown;
  /** When the step started. Default: where the previous step ended (or the execution start). */
  startTime?: TimeInput;
  /** When the step ended. Default: now. */
  endTime?: TimeInput;
  /** Duration, used when only one end of the step is known. */
  durationMs?: number;
  /** Extra span attributes. Non-primitive values are sent as JSON. */
  attributes?: Record<string, unknown>;
  /** LLM model requested (`gen_ai.request.model`). */
  model?: string;
  /** LLM provider, e.g. `openai` (`gen_ai.provider.name`). */
  provider?: string;
  /** Prompt tokens (`gen_ai.usage.input_tokens`). */
  inputTokens?: number;
  /** Completion tokens (`gen_ai.usage.output_tokens`). */
  outputTokens?: number;
  /** Cost in US dollars (`xray.step.cost_usd`). */
  costUsd?: number;
  /** The step this one is nested in, as returned by `recordStep`. Default: none (a child of the execution). */
  parentStepId?: StepId;
}

/** Options for `startExecution`; each overrides the client's default. */
export interface StartExecutionOptions {
  /** Pipeline name; the root span's name. */
  pipeline?: string;
  /** Your own execution id. Default: the trace id in hex. */
  executionId?: string;
  /** Key-value data about the execution, sent as JSON. */
  metadata?: Record<string, unknown>;
  /**
   * Business keys to find the execution by, e.g. `{ applicantId: 'A-1042' }`:
   * sent as attributes of the root span under the names given (so OpenTelemetry
   * names such as `user.id` and `session.id` work too) and matched by the
   * collector's `where=applicantId=A-1042` filter. Kept by reference until the
   * execution completes, like step input.
   */
  tags?: Record<string, string | number | boolean>;
  /** Environment, e.g. `prod`. */
  environment?: string;
}
