/**
 * What the executions list counts of an execution's stored steps
 * (store/executions.ts, storedCountsQuery), taken over the steps one insert
 * writes: the list head adds a new execution from these instead of reading
 * them back (api/list-head.ts). Made where the step rows are objects: on the
 * main thread for a small request, in the decode worker (which then encodes
 * the rows) for a large one.
 */
import type { StepRow, StepTotals } from '../contracts/rows.js';

/**
 * One StepTotals per execution of `steps`, in order of first appearance.
 *
 * @example
 * stepTotalsOf(rows.steps); // [{ app_id: 'a', execution_id: 'e1', steps: 3, failed: 1, ... }]
 */
export function stepTotalsOf(steps: readonly StepRow[]): StepTotals[] {
  const byExecution = new Map<string, { totals: StepTotals; spans: Set<string> }>();
  for (const step of steps) {
    const key = `${step.app_id}\u0000${step.execution_id}`;
    let entry = byExecution.get(key);
    if (!entry) {
      entry = {
        totals: {
          app_id: step.app_id, execution_id: step.execution_id, steps: 0, failed: 0, inputTokens: 0, outputTokens: 0,
          costUsd: 0, estimatedCostUsd: 0, firstStart: step.start_time, lastStart: step.start_time, repeated: false,
        },
        spans: new Set(),
      };
      byExecution.set(key, entry);
    }
    const { totals, spans } = entry;
    if (spans.has(step.span_id)) totals.repeated = true;
    spans.add(step.span_id);
    totals.steps = spans.size;
    if (step.status === 'failed') totals.failed++;
    totals.inputTokens += step.input_tokens;
    totals.outputTokens += step.output_tokens;
    totals.costUsd += step.cost_usd;
    if (step.cost_source === 'estimated') totals.estimatedCostUsd += step.cost_usd;
    // DateTime64 text of one width sorts as time.
    if (step.start_time < totals.firstStart) totals.firstStart = step.start_time;
    if (step.start_time > totals.lastStart) totals.lastStart = step.start_time;
  }
  return [...byExecution.values()].map((entry) => entry.totals);
}
