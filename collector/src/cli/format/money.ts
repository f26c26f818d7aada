/** Money and token counts as the CLI prints them. Pure. */

/**
 * US dollars: four decimals below $100 (LLM calls cost fractions of a cent),
 * two above; `-` for nothing.
 *
 * @example
 * formatUsd(0.00093); // '$0.0009'
 * formatUsd(1234.5); // '$1,234.50'
 */
export function formatUsd(usd: number): string {
  if (usd === 0) return '-';
  if (usd < 100) return `$${usd.toFixed(4)}`;
  return `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * A cost of which part was estimated from the price table: `~` in front.
 *
 * @example
 * formatCost(0.0275, 0.0075); // '~$0.0275'
 */
export function formatCost(usd: number, estimatedUsd: number): string {
  const text = formatUsd(usd);
  return estimatedUsd > 0 && text !== '-' ? `~${text}` : text;
}

/** @example formatCount(1840); // '1,840' */
export const formatCount = (n: number): string => n.toLocaleString('en-US');
