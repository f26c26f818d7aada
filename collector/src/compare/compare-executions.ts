/**
 * Compares two executions: their own outcome (status, duration, final
 * outcome, metadata, error) and their aligned steps, each reported as added,
 * removed, changed or unchanged with what changed. Values the SDK serialized
 * as JSON are compared structurally. Pure, no I/O: the route reads, this decides.
 */
import { alignSteps } from './align-steps.js';
import type { AlignableStep } from './align-steps.js';
import { diffJson, parseJsonText } from '@xray/sdk/json-diff';
import type { JsonChange } from '@xray/sdk/json-diff';

/** The fields of a step that take part in a comparison (the API's step shape has them all). */
export interface ComparableStep extends AlignableStep {
  status: string;
  durationMs: number;
  input: string;
  output: string;
  reasoning: string;
  error: { type: string; message: string } | null;
}

export interface ComparableExecution {
  executionId: string;
  pipeline: string;
  status: string;
  durationMs: number;
  startTime: string;
  errorMessage: string;
  metadata: unknown;
  finalOutcome: unknown;
}

export type StepField = 'status' | 'durationMs' | 'input' | 'output' | 'reasoning' | 'error';
export type ExecutionField = 'status' | 'durationMs' | 'errorMessage' | 'metadata' | 'finalOutcome';

export interface FieldChange<F extends string = string> {
  field: F;
  before: unknown;
  after: unknown;
  /** For durationMs: after - before. */
  deltaMs?: number;
  /** For JSON values: where they differ. */
  diff?: JsonChange[];
  /** True when `diff` was cut at its limit. */
  diffTruncated?: boolean;
}

export type StepChangeKind = 'added' | 'removed' | 'changed' | 'unchanged';

export interface StepSide {
  spanId: string;
  sequence: number;
  status: string;
  durationMs: number;
}

export interface StepComparison {
  path: string[];
  depth: number;
  name: string;
  kind: StepChangeKind;
  a: StepSide | null;
  b: StepSide | null;
  changes: FieldChange<StepField>[];
}

export interface ExecutionComparison {
  a: ExecutionSide;
  b: ExecutionSide;
  execution: { changes: FieldChange<ExecutionField>[] };
  steps: StepComparison[];
  summary: { added: number; removed: number; changed: number; unchanged: number };
}

export interface ExecutionSide {
  executionId: string;
  pipeline: string;
  status: string;
  durationMs: number;
  startTime: string;
  stepCount: number;
}

export interface CompareOptions {
  /** A duration counts as changed when it differs by at least this percentage of the larger one (default 20). */
  durationChangePct?: number;
  /** Most changes listed per JSON value (default 50). */
  maxJsonChanges?: number;
}

const DEFAULT_DURATION_CHANGE_PCT = 20;
const DEFAULT_MAX_JSON_CHANGES = 50;

function isStructured(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function valueChange<F extends string>(field: F, before: unknown, after: unknown, maxChanges: number): FieldChange<F> | undefined {
  const diff = diffJson(before, after, { maxChanges });
  if (diff.changes.length === 0) return undefined;
  if (!isStructured(before) || !isStructured(after)) return { field, before, after };
  return { field, before, after, diff: diff.changes, ...(diff.truncated ? { diffTruncated: true } : {}) };
}

function durationChange<F extends string>(field: F, before: number, after: number, pct: number): FieldChange<F> | undefined {
  const delta = after - before;
  const larger = Math.max(Math.abs(before), Math.abs(after));
  if (delta === 0 || Math.abs(delta) * 100 < pct * larger) return undefined;
  return { field, before, after, deltaMs: Math.round(delta * 1000) / 1000 };
}

function errorText(error: ComparableStep['error']): string {
  if (!error) return '';
  return error.type && error.message ? `${error.type}: ${error.message}` : error.type || error.message;
}

function stepChanges(a: ComparableStep, b: ComparableStep, options: Required<CompareOptions>): FieldChange<StepField>[] {
  const changes: (FieldChange<StepField> | undefined)[] = [
    a.status === b.status ? undefined : { field: 'status', before: a.status, after: b.status },
    durationChange('durationMs', a.durationMs, b.durationMs, options.durationChangePct),
    valueChange('input', parseJsonText(a.input), parseJsonText(b.input), options.maxJsonChanges),
    valueChange('output', parseJsonText(a.output), parseJsonText(b.output), options.maxJsonChanges),
    a.reasoning === b.reasoning ? undefined : { field: 'reasoning', before: a.reasoning, after: b.reasoning },
    errorText(a.error) === errorText(b.error) ? undefined : { field: 'error', before: errorText(a.error) || null, after: errorText(b.error) || null },
  ];
  return changes.filter((change): change is FieldChange<StepField> => change !== undefined);
}

const side = (step: ComparableStep): StepSide => ({
  spanId: step.spanId,
  sequence: step.sequence,
  status: step.status,
  durationMs: step.durationMs,
});

const executionSide = (execution: ComparableExecution, stepCount: number): ExecutionSide => ({
  executionId: execution.executionId,
  pipeline: execution.pipeline,
  status: execution.status,
  durationMs: execution.durationMs,
  startTime: execution.startTime,
  stepCount,
});

/**
 * @example
 * const result = compareExecutions({ execution: a, steps: stepsA }, { execution: b, steps: stepsB });
 * result.summary; // { added: 1, removed: 0, changed: 2, unchanged: 5 }
 */
export function compareExecutions(
  a: { execution: ComparableExecution; steps: readonly ComparableStep[] },
  b: { execution: ComparableExecution; steps: readonly ComparableStep[] },
  compareOptions: CompareOptions = {},
): ExecutionComparison {
  const options: Required<CompareOptions> = {
    durationChangePct: compareOptions.durationChangePct ?? DEFAULT_DURATION_CHANGE_PCT,
    maxJsonChanges: compareOptions.maxJsonChanges ?? DEFAULT_MAX_JSON_CHANGES,
  };
  const summary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  const steps: StepComparison[] = alignSteps(a.steps, b.steps).map((pair) => {
    const name = (pair.b ?? pair.a)!.name;
    if (!pair.a || !pair.b) {
      const kind = pair.a ? 'removed' : 'added';
      summary[kind]++;
      return { path: pair.path, depth: pair.depth, name, kind, a: pair.a && side(pair.a), b: pair.b && side(pair.b), changes: [] };
    }
    const changes = stepChanges(pair.a, pair.b, options);
    const kind = changes.length > 0 ? 'changed' : 'unchanged';
    summary[kind]++;
    return { path: pair.path, depth: pair.depth, name, kind, a: side(pair.a), b: side(pair.b), changes };
  });

  const ea = a.execution;
  const eb = b.execution;
  const candidates: (FieldChange<ExecutionField> | undefined)[] = [
    ea.status === eb.status ? undefined : { field: 'status', before: ea.status, after: eb.status },
    durationChange<ExecutionField>('durationMs', ea.durationMs, eb.durationMs, options.durationChangePct),
    ea.errorMessage === eb.errorMessage ? undefined : { field: 'errorMessage', before: ea.errorMessage, after: eb.errorMessage },
    valueChange<ExecutionField>('metadata', ea.metadata, eb.metadata, options.maxJsonChanges),
    valueChange<ExecutionField>('finalOutcome', ea.finalOutcome, eb.finalOutcome, options.maxJsonChanges),
  ];
  const executionChanges = candidates.filter((change): change is FieldChange<ExecutionField> => change !== undefined);

  return {
    a: executionSide(ea, a.steps.length),
    b: executionSide(eb, b.steps.length),
    execution: { changes: executionChanges },
    steps,
    summary,
  };
}
