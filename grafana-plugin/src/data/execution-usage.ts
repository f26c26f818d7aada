/**
 * An execution's token and cost totals as the executions list shows them
 * (`GET /executions` sums them over the stored steps): blank when the
 * execution used none, the cost marked `~` when part of it was estimated
 * from the collector's price table rather than reported by the sender.
 */
import type { ExecutionSummary } from '../api/types';

type Usage = Pick<ExecutionSummary, 'inputTokens' | 'outputTokens' | 'costUsd' | 'estimatedCostUsd'>;

export interface UsageCell {
  /** What the cell shows; '' for none. */
  text: string;
  /** The cell's tooltip; '' for none. */
  title: string;
}

const BLANK: UsageCell = { text: '', title: '' };
const count = (n: number) => n.toLocaleString('en-US');

/** Input plus output tokens (0 when absent): what the Tokens column sorts by. */
export function totalTokens(usage: Usage): number {
  return (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
}

/**
 * US dollars with enough digits for model-call prices: cents above a dollar,
 * four decimals below, `<$0.0001` for less.
 *
 * @example
 * formatUsd(12.345) // '$12.35'
 * formatUsd(0.01234) // '$0.0123'
 */
export function formatUsd(amount: number): string {
  if (amount >= 1) {
    return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  return amount > 0 && amount < 0.0001 ? '<$0.0001' : `$${amount.toFixed(4)}`;
}

/** `1,801` with the split in the tooltip (`1,234 input + 567 output tokens`); blank without tokens. */
export function tokensCell(usage: Usage): UsageCell {
  const input = usage.inputTokens ?? 0;
  const output = usage.outputTokens ?? 0;
  if (input + output <= 0) {
    return BLANK;
  }
  return { text: count(input + output), title: `${count(input)} input + ${count(output)} output tokens` };
}

/** `$0.0123`, `~$0.0123` when any of it was estimated (the tooltip says how much); blank without a cost. */
export function costCell(usage: Usage): UsageCell {
  const cost = usage.costUsd ?? 0;
  if (!(cost > 0)) {
    return BLANK;
  }
  const estimated = Math.min(usage.estimatedCostUsd ?? 0, cost);
  if (!(estimated > 0)) {
    return { text: formatUsd(cost), title: 'Reported by the sender' };
  }
  const title =
    estimated >= cost
      ? 'Estimated from the price table (no cost was reported)'
      : `${formatUsd(estimated)} of it estimated from the price table, the rest reported by the sender`;
  return { text: `~${formatUsd(cost)}`, title };
}
