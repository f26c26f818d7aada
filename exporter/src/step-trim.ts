/**
 * Keeps an execution's steps under `maxStepsPerExecution` without hiding a
 * failure. When the cap is reached, the step given up is the oldest one that
 * is not among the first steps (a quarter of the cap), not among the last
 * steps (another quarter), not failed and not still running. Only when the
 * middle holds nothing but failures does a failed step go, and then it is
 * counted separately so the execution's error count stays whole.
 *
 * Dropping leaves a hole (`steps[i] === undefined`) instead of shifting the
 * arrays, and the holes are squeezed out once there are more of them than
 * the cap, so each step costs O(1) amortized and memory stays within about
 * twice the cap. Step ids stay what `recordStep` returned: `stepIds` holds
 * each kept slot's id in ascending order.
 */
import type { ExecutionRecord } from './execution-record.js';
import { resolveStepStatus } from './step-attributes.js';
import { STEP_STATUS_FAILED } from './semconv.js';

/** What was given up to make room. */
export interface TrimResult {
  /** The dropped step had failed (its failure still counts in the execution's error count). */
  readonly failed: boolean;
}

/**
 * Frees one slot of `record` (which holds `cap` steps) and says what went.
 *
 * @example
 * if (record.keptSteps >= cap) trimOneStep(record, cap);
 */
export function trimOneStep(record: ExecutionRecord, cap: number): TrimResult {
  const head = Math.floor(cap / 4);
  const tail = Math.floor(cap / 4);
  const steps = record.steps;
  if (record.trimCursor < head) record.trimCursor = head;
  // The scan stops before the last `tail` live slots; no hole lies at or after the cursor.
  const limit = steps.length - tail;
  for (let i = record.trimCursor; i < limit; i++) {
    if (isKept(record, i)) continue;
    record.trimCursor = i + 1;
    return removeAt(record, i, false);
  }
  // The middle holds only failures or running steps: give up the oldest of them.
  // Everything scanned is one of those, so the next scan starts where this one stopped.
  if (limit > record.trimCursor) record.trimCursor = limit;
  let i = Math.max(record.trimFallbackCursor, head);
  while (i < steps.length && steps[i] === undefined) i++;
  record.trimFallbackCursor = i + 1;
  if (i + 1 > record.trimCursor) record.trimCursor = i + 1;
  return removeAt(record, i, isFailed(record, i));
}

/** Position of step `id` among the kept slots, or -1 if it was never kept or was dropped. */
export function slotOfStep(record: ExecutionRecord, id: number): number {
  const ids = record.stepIds;
  let low = 0;
  let high = ids.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = ids[mid];
    if (value === id) return record.steps[mid] === undefined ? -1 : mid;
    if (value < id) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

/** A failed or still-running step is kept while anything else can go. */
function isKept(record: ExecutionRecord, i: number): boolean {
  return record.steps[i] === undefined || Number.isNaN(record.stepEndPerf[i]) || isFailed(record, i);
}

function isFailed(record: ExecutionRecord, i: number): boolean {
  const step = record.steps[i];
  if (step === undefined) return false;
  try {
    return resolveStepStatus(step) === STEP_STATUS_FAILED;
  } catch {
    return false;
  }
}

function removeAt(record: ExecutionRecord, i: number, failed: boolean): TrimResult {
  (record.steps as unknown[])[i] = undefined;
  record.keptSteps--;
  record.holes++;
  record.droppedSteps++;
  if (failed) record.droppedFailedSteps++;
  if (record.holes > Math.max(1024, record.keptSteps)) compact(record);
  return { failed };
}

/** Squeezes the holes out, moving the cursors to the same live steps. */
function compact(record: ExecutionRecord): void {
  const { steps, stepStartPerf, stepEndPerf, stepIds } = record;
  let write = 0;
  let cursor = record.trimCursor;
  let fallback = record.trimFallbackCursor;
  for (let read = 0; read < steps.length; read++) {
    if (read === record.trimCursor) cursor = write;
    if (read === record.trimFallbackCursor) fallback = write;
    if (steps[read] === undefined) continue;
    steps[write] = steps[read];
    stepStartPerf[write] = stepStartPerf[read];
    stepEndPerf[write] = stepEndPerf[read];
    stepIds[write] = stepIds[read];
    write++;
  }
  if (record.trimCursor >= steps.length) cursor = write;
  if (record.trimFallbackCursor >= steps.length) fallback = write;
  steps.length = write;
  stepStartPerf.length = write;
  stepEndPerf.length = write;
  stepIds.length = write;
  record.trimCursor = cursor;
  record.trimFallbackCursor = fallback;
  record.holes = 0;
}
