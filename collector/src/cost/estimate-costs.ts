/**
 * Fills in the cost of steps that report gen_ai usage but no cost, from the
 * price table, at ingest: the estimate is stored (`cost_source =
 * 'estimated'`), so totals and statistics aggregate one column. Runs on the
 * request path after the span mapping, so it does one cheap check per step
 * and a cached lookup only for steps with a model and tokens.
 */
import type { RowBatch } from '../contracts/rows.js';
import { costOf } from './price-table.js';
import type { PriceLookup } from './price-table.js';

/** `steps.cost_source` of a cost the price table filled in. */
export const COST_ESTIMATED = 'estimated';

/**
 * Sets cost_usd and cost_source on the steps of `rows` that have a model and
 * tokens but no reported cost, where the table prices the model. Returns the
 * same batch (mutated).
 *
 * @example
 * estimateCosts(spansToRows(appId, spans), createPriceLookup(table));
 */
export function estimateCosts(rows: RowBatch, lookup: PriceLookup): RowBatch {
  for (const step of rows.steps) {
    if (step.cost_source !== '' || step.model === '' || step.input_tokens + step.output_tokens === 0) continue;
    const price = lookup(step.model, step.provider);
    if (!price) continue;
    step.cost_usd = costOf(price, step.input_tokens, step.output_tokens);
    step.cost_source = COST_ESTIMATED;
  }
  return rows;
}
