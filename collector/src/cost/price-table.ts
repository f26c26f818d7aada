/**
 * The price table (XRAY_PRICE_TABLE): what a model's tokens cost, so a step
 * that carries gen_ai model and token counts but no cost of its own gets one
 * at ingest, stored with `cost_source = 'estimated'` (migration 0120).
 *
 * Format (JSON, inline or in a file):
 *
 *   { "models": [
 *       { "model": "gpt-4o-mini*", "inputPerMillionUsd": 0.15, "outputPerMillionUsd": 0.6 },
 *       { "model": "claude-sonnet-4*", "provider": "anthropic", "inputPerMillionUsd": 3, "outputPerMillionUsd": 15 }
 *   ] }
 *
 * `model` is matched against the step's model (the response model, else the
 * requested one), exactly or, ending in `*`, as a prefix (dated model names:
 * `gpt-4o-mini-2024-07-18`). `provider`, when given, must equal the step's
 * provider. The most specific entry wins: an exact name over a prefix, a
 * longer prefix over a shorter one, an entry naming the provider over one
 * that does not. There is no built-in table: prices change, and a stale
 * default would record wrong costs without anyone noticing.
 *
 * Pure apart from `loadPriceTable` reading a file at start-up.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const price = z.number().finite().min(0).max(1_000_000);

export const priceTableSchema = z
  .object({
    models: z
      .array(
        z
          .object({
            model: z
              .string()
              .min(1)
              .max(256)
              .refine((name) => name.indexOf('*') === -1 || name.indexOf('*') === name.length - 1, 'a "*" may only end the name (a prefix)'),
            provider: z.string().min(1).max(256).optional(),
            inputPerMillionUsd: price,
            outputPerMillionUsd: price,
          })
          .strict(),
      )
      .max(10_000),
  })
  .strict();

export type PriceTable = z.infer<typeof priceTableSchema>;
export type ModelPrice = PriceTable['models'][number];

/** Finds the price of a model (and provider); undefined when the table has none. */
export type PriceLookup = (model: string, provider: string) => ModelPrice | undefined;

/**
 * Parses a price table: `text` is the JSON itself (starting with `{`) or
 * the path of a file holding it. Throws an Error whose message says what is
 * wrong and where, for the configuration to report with the key's name.
 *
 * @example
 * loadPriceTable('{"models":[{"model":"gpt-4o*","inputPerMillionUsd":2.5,"outputPerMillionUsd":10}]}');
 */
export function loadPriceTable(text: string): PriceTable {
  const inline = text.trimStart().startsWith('{');
  let json: string;
  if (inline) json = text;
  else {
    try {
      json = readFileSync(text, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the price table file: ${(error as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`${inline ? 'the price table' : `the price table file ${JSON.stringify(text)}`} is not JSON: ${(error as Error).message}`);
  }
  const parsed = priceTableSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
    throw new Error(`expected {"models": [{"model", "inputPerMillionUsd", "outputPerMillionUsd", "provider"?}]}; ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** How specific an entry is for a model it matches: higher wins. */
function specificity(entry: ModelPrice): number {
  const exact = !entry.model.endsWith('*');
  return (exact ? 1_000_000 : 0) + entry.model.length * 2 + (entry.provider === undefined ? 0 : 1);
}

/**
 * The lookup of a table: exact names in a map, prefixes scanned most
 * specific first; each model and provider pair is resolved once and cached
 * (models are few), so ingest pays one map lookup per priced step.
 *
 * @example
 * const lookup = createPriceLookup(table);
 * lookup('gpt-4o-2024-08-06', 'openai'); // the "gpt-4o*" entry
 */
export function createPriceLookup(table: PriceTable): PriceLookup {
  const ordered = [...table.models].sort((a, b) => specificity(b) - specificity(a));
  const matches = (entry: ModelPrice, model: string, provider: string) =>
    (entry.provider === undefined || entry.provider === provider) &&
    (entry.model.endsWith('*') ? model.startsWith(entry.model.slice(0, -1)) : model === entry.model);
  const cache = new Map<string, ModelPrice | undefined>();
  const MAX_CACHED = 10_000;
  return (model, provider) => {
    const key = `${provider}\u0000${model}`;
    if (cache.has(key)) return cache.get(key);
    const found = ordered.find((entry) => matches(entry, model, provider));
    if (cache.size < MAX_CACHED) cache.set(key, found);
    return found;
  };
}

/**
 * Cost in USD of the tokens at a price.
 *
 * @example
 * costOf({ model: 'm', inputPerMillionUsd: 2, outputPerMillionUsd: 8 }, 1000, 500); // 0.006
 */
export function costOf(entry: ModelPrice, inputTokens: number, outputTokens: number): number {
  return (inputTokens * entry.inputPerMillionUsd + outputTokens * entry.outputPerMillionUsd) / 1_000_000;
}
