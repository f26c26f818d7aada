/**
 * Fills in the cost of steps that report gen_ai usage but no cost, from the
 * price table, at ingest: the estimate is stored (`cost_source =
 * 'estimated'`), so totals and statistics aggregate one column. Runs on the
 * request path after the span mapping, so it does one cheap check per step
 * and a cached lookup only for steps with a model and tokens.
 */
import type { RowBatch, StepRow } from '../contracts/rows.js';
import type { DecodedSpan } from '../contracts/spans.js';
import { spansToRows } from '../model/span-to-rows.js';
import { costOf, createPriceLookup } from './price-table.js';
import type { PriceLookup, PriceTable } from './price-table.js';

/** `steps.cost_source` of a cost the price table filled in. */
export const COST_ESTIMATED = 'estimated';

/**
 * Fills in one step's cost from the price table when it has a model and
 * tokens but no reported cost and the table prices the model (mutates it).
 */
function estimateStepCost(step: StepRow, lookup: PriceLookup): void {
  if (step.cost_source !== '' || step.model === '' || step.input_tokens + step.output_tokens === 0) return;
  const price = lookup(step.model, step.provider);
  if (!price) return;
  step.cost_usd = costOf(price, step.input_tokens, step.output_tokens);
  step.cost_source = COST_ESTIMATED;
}

/**
 * Sets cost_usd and cost_source on the steps of `rows` that have a model and
 * tokens but no reported cost, where the table prices the model. Returns the
 * same batch (mutated).
 *
 * @example
 * estimateCosts(spansToRows(appId, spans), createPriceLookup(table));
 */
export function estimateCosts(rows: RowBatch, lookup: PriceLookup): RowBatch {
  for (const step of rows.steps) estimateStepCost(step, lookup);
  return rows;
}

/**
 * The per-step estimate of `rowMapper`, for a caller that maps steps one at
 * a time (ingest/encode-request.ts); undefined when the table prices nothing.
 *
 * @example
 * const estimate = stepCostEstimator(config.priceTable);
 * estimate?.(row);
 */
export function stepCostEstimator(priceTable: PriceTable | undefined): ((step: StepRow) => void) | undefined {
  if (!priceTable || priceTable.models.length === 0) return undefined;
  const lookup = createPriceLookup(priceTable);
  return (step) => estimateStepCost(step, lookup);
}

/**
 * The span mapping ingest runs, on the request path and in the decode
 * workers alike: `spansToRows`, then the price table's estimates when a table
 * with prices is set.
 *
 * @example
 * const toRows = rowMapper(config.priceTable);
 * const rows = toRows('checkout', spans);
 */
export function rowMapper(priceTable: PriceTable | undefined): (appId: string, spans: readonly DecodedSpan[]) => RowBatch {
  if (!priceTable || priceTable.models.length === 0) return spansToRows;
  const lookup = createPriceLookup(priceTable);
  return (appId, spans) => estimateCosts(spansToRows(appId, spans), lookup);
}
