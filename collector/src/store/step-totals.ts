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

interface Gathered {
  app_id: string;
  execution_id: string;
  spans: Set<string>;
  rows: number;
  failed: number;
  usage: ExecutionUsage;
  firstStart: string;
  lastStart: string;
}

/**
 * Gathers StepTotals over step rows added one at a time (a decode worker
 * that encodes each row as it is mapped); `stepTotalsOf` over a list.
 *
 * @example
 * const totals = new StepTotalsBuilder();
 * for (const step of steps) totals.add(step);
 * totals.totals(); // [{ app_id: 'a', execution_id: 'e1', steps: 3, failed: 1, ... }]
 */
export class StepTotalsBuilder {
  private readonly byExecution = new Map<string, Gathered>();

  add(step: StepRow): void {
    const key = `${step.app_id}\u0000${step.execution_id}`;
    let own = this.byExecution.get(key);
    if (!own) {
      own = {
        app_id: step.app_id,
        execution_id: step.execution_id,
        spans: new Set(),
        rows: 0,
        failed: 0,
        usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, estimatedCostUsd: 0 },
        firstStart: step.start_time,
        lastStart: step.start_time,
      };
      this.byExecution.set(key, own);
    }
    own.spans.add(step.span_id);
    own.rows += 1;
    if (step.status === 'failed') own.failed++;
    // DateTime64 text of one width sorts as time.
    if (step.start_time < own.firstStart) own.firstStart = step.start_time;
    if (step.start_time > own.lastStart) own.lastStart = step.start_time;
    // Summed in the order usageOf sums, so both give the same floats.
    own.usage.inputTokens += step.input_tokens;
    own.usage.outputTokens += step.output_tokens;
    own.usage.costUsd += step.cost_usd;
    if (step.cost_source === 'estimated') own.usage.estimatedCostUsd += step.cost_usd;
  }

  /** One StepTotals per execution, in order of first appearance. */
  totals(): StepTotals[] {
    return [...this.byExecution.values()].map((own) => ({
      app_id: own.app_id,
      execution_id: own.execution_id,
      steps: own.spans.size,
      failed: own.failed,
      ...own.usage,
      firstStart: own.firstStart,
      lastStart: own.lastStart,
      repeated: own.spans.size < own.rows,
    }));
  }
}

/**
 * One StepTotals per execution of `steps`, in order of first appearance.
 *
 * @example
 * stepTotalsOf(rows.steps); // [{ app_id: 'a', execution_id: 'e1', steps: 3, failed: 1, ... }]
 */
export function stepTotalsOf(steps: readonly StepRow[]): StepTotals[] {
  const totals = new StepTotalsBuilder();
  for (const step of steps) totals.add(step);
  return totals.totals();
}
