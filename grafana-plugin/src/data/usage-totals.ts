/**
 * Token and cost totals of an execution and of any step's subtree (the step
 * and every step nested under it), from the rows of the timeline layout
 * (tree pre-order with depths, so a subtree is the run of rows after a step
 * that are deeper than it). One pass builds every subtree's totals.
 */
import type { TimelineRow } from './timeline-layout';

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Steps that reported a model call (tokens or cost). */
  modelSteps: number;
}

const ZERO: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0, modelSteps: 0 };

function add(a: UsageTotals, b: UsageTotals): UsageTotals {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: a.costUsd + b.costUsd,
    modelSteps: a.modelSteps + b.modelSteps,
  };
}

function own(row: TimelineRow): UsageTotals {
  const { inputTokens, outputTokens, costUsd } = row.step;
  const used = inputTokens > 0 || outputTokens > 0 || costUsd > 0;
  return { inputTokens, outputTokens, costUsd, modelSteps: used ? 1 : 0 };
}

/**
 * Totals of each row's subtree (index-aligned with `rows`) and of the whole execution.
 *
 * @example
 * const { bySubtree, execution } = usageTotals(layout.rows);
 * bySubtree[0].inputTokens // tokens of the first step and everything under it
 */
export function usageTotals(rows: TimelineRow[]): { bySubtree: UsageTotals[]; execution: UsageTotals } {
  const bySubtree = rows.map(own);
  // Children come after their parent in pre-order: fold from the end into each parent.
  for (let i = rows.length - 1; i >= 0; i--) {
    const parent = rows[i].parentIndex;
    if (parent >= 0) {
      bySubtree[parent] = add(bySubtree[parent], bySubtree[i]);
    }
  }
  const execution = rows.reduce((sum, row) => add(sum, own(row)), ZERO);
  return { bySubtree, execution };
}

/** `1,234 in / 567 out · $0.0123`, or '' when nothing was used. */
export function formatUsage(totals: UsageTotals): string {
  if (totals.modelSteps === 0) {
    return '';
  }
  const tokens = `${totals.inputTokens.toLocaleString('en-US')} in / ${totals.outputTokens.toLocaleString('en-US')} out`;
  return totals.costUsd > 0 ? `${tokens} · $${totals.costUsd.toFixed(4)}` : tokens;
}
