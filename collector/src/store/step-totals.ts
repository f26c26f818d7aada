/**
 * What the executions list counts of an execution's steps: their gen_ai
 * usage (`usageOf`, also for a timeline's steps) and, over the steps one
 * insert writes, the totals the list head adds a new execution from instead
 * of reading them back (`stepTotalsOf`, api/list-head.ts). The totals are
 * made where the step rows are objects: on the main thread for a small
 * request, in the decode worker (which then encodes the rows) for a large
 * one. No I/O: the worker loads this module.
 */
import type { StepRow, StepTotals } from '../contracts/rows.js';
import type { ExecutionUsage, StepRecord } from './executions.js';

/**
 * Tokens and cost summed over steps already read (each once).
 *
 * @example
 * usageOf(steps).costUsd;
 */
export function usageOf(steps: readonly Pick<StepRecord, 'input_tokens' | 'output_tokens' | 'cost_usd' | 'cost_source'>[]): ExecutionUsage {
  const usage: ExecutionUsage = { inputTokens: 0, outputTokens: 0, costUsd: 0, estimatedCostUsd: 0 };
  for (const step of steps) {
    usage.inputTokens += step.input_tokens;
    usage.outputTokens += step.output_tokens;
    usage.costUsd += step.cost_usd;
    if (step.cost_source === 'estimated') usage.estimatedCostUsd += step.cost_usd;
  }
  return usage;
}

/**
 * One StepTotals per execution of `steps`, in order of first appearance.
 *
 * @example
 * stepTotalsOf(rows.steps); // [{ app_id: 'a', execution_id: 'e1', steps: 3, failed: 1, ... }]
 */
export function stepTotalsOf(steps: readonly StepRow[]): StepTotals[] {
  const byExecution = new Map<string, StepRow[]>();
  for (const step of steps) {
    const key = `${step.app_id}\u0000${step.execution_id}`;
    const own = byExecution.get(key);
    if (own) own.push(step);
    else byExecution.set(key, [step]);
  }
  return [...byExecution.values()].map((own) => {
    const spans = new Set<string>();
    let failed = 0;
    let firstStart = own[0].start_time;
    let lastStart = firstStart;
    for (const step of own) {
      spans.add(step.span_id);
      if (step.status === 'failed') failed++;
      // DateTime64 text of one width sorts as time.
      if (step.start_time < firstStart) firstStart = step.start_time;
      if (step.start_time > lastStart) lastStart = step.start_time;
    }
    return {
      app_id: own[0].app_id,
      execution_id: own[0].execution_id,
      steps: spans.size,
      failed,
      ...usageOf(own),
      firstStart,
      lastStart,
      repeated: spans.size < own.length,
    };
  });
}
