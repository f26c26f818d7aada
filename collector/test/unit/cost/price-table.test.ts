import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { estimateCosts } from '../../../src/cost/estimate-costs.js';
import { costOf, createPriceLookup, loadPriceTable } from '../../../src/cost/price-table.js';
import type { StepRow } from '../../../src/contracts/rows.js';

const table = loadPriceTable(
  JSON.stringify({
    models: [
      { model: 'gpt-4o*', inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 },
      { model: 'gpt-4o-mini*', inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 },
      { model: 'gpt-4o-mini', provider: 'azure', inputPerMillionUsd: 0.2, outputPerMillionUsd: 0.8 },
      { model: 'claude-sonnet-4', inputPerMillionUsd: 3, outputPerMillionUsd: 15 },
    ],
  }),
);

function step(overrides: Partial<StepRow>): StepRow {
  return {
    app_id: 'a', execution_id: 'e', trace_id: 't', span_id: 's', parent_span_id: '', sequence: 0, name: 'n', pipeline: 'p', environment: '',
    status: 'completed', start_time: '2026-01-01 00:00:00.000000000', end_time: '2026-01-01 00:00:00.000000000', duration_ms: 0,
    input: '', output: '', reasoning: '', error_type: '', error_message: '', error_stack: '', model: '', provider: '',
    input_tokens: 0, output_tokens: 0, cost_usd: 0, cost_source: '', attributes: {}, ...overrides,
  };
}

describe('cost/price-table', () => {
  describe('createPriceLookup', () => {
    const lookup = createPriceLookup(table);
    it('prefers an exact name, then the longest prefix, then an entry naming the provider', () => {
      expect(lookup('claude-sonnet-4', 'anthropic')?.inputPerMillionUsd).toBe(3);
      expect(lookup('claude-sonnet-4-5', 'anthropic')).toBeUndefined();
      expect(lookup('gpt-4o-mini-2024-07-18', 'openai')?.inputPerMillionUsd).toBe(0.15);
      expect(lookup('gpt-4o-2024-08-06', 'openai')?.inputPerMillionUsd).toBe(2.5);
      expect(lookup('gpt-4o-mini', 'azure')?.inputPerMillionUsd).toBe(0.2);
      expect(lookup('gpt-4o-mini', 'openai')?.inputPerMillionUsd).toBe(0.15);
      expect(lookup('gpt-3.5-turbo', 'openai')).toBeUndefined();
    });
  });

  describe('costOf', () => {
    it('prices input and output tokens per million', () => {
      expect(costOf({ model: 'm', inputPerMillionUsd: 2, outputPerMillionUsd: 8 }, 1000, 500)).toBeCloseTo(0.006, 12);
    });
  });

  describe('loadPriceTable', () => {
    it('reads the JSON from a file when the value is a path', () => {
      const dir = mkdtempSync(join(tmpdir(), 'xray-prices-'));
      try {
        const file = join(dir, 'prices.json');
        writeFileSync(file, JSON.stringify({ models: [{ model: 'x', inputPerMillionUsd: 1, outputPerMillionUsd: 2 }] }));
        expect(loadPriceTable(file).models).toEqual([{ model: 'x', inputPerMillionUsd: 1, outputPerMillionUsd: 2 }]);
        expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/cannot read the price table file/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('says what is wrong with a bad table', () => {
      expect(() => loadPriceTable('{"models": [{"model": "a*b", "inputPerMillionUsd": 1, "outputPerMillionUsd": 1}]}')).toThrow(/models\.0\.model: a "\*" may only end the name/);
      expect(() => loadPriceTable('{"models": [{"model": "a", "inputPerMillionUsd": -1, "outputPerMillionUsd": 1}]}')).toThrow(/models\.0\.inputPerMillionUsd/);
      expect(() => loadPriceTable('{"models": [{"model": "a", "input": 1}]}')).toThrow(/inputPerMillionUsd/);
      expect(() => loadPriceTable('{"models": ')).toThrow(/is not JSON/);
    });

    it('is validated with the configuration, naming XRAY_PRICE_TABLE', () => {
      expect(() => loadConfig({ XRAY_PRICE_TABLE: '{"models": 3}' })).toThrow(ConfigError);
      expect(() => loadConfig({ XRAY_PRICE_TABLE: '{"models": 3}' })).toThrow(/XRAY_PRICE_TABLE=.*models/);
      expect(loadConfig({}).priceTable).toBeUndefined();
      expect(loadConfig({ XRAY_PRICE_TABLE: '{"models": []}' }).priceTable).toEqual({ models: [] });
    });
  });

  describe('estimateCosts', () => {
    it('fills in only steps with a priced model, tokens and no reported cost', () => {
      const rows = {
        executions: [],
        steps: [
          step({ span_id: 'priced', model: 'gpt-4o', input_tokens: 1_000_000 }),
          step({ span_id: 'reported', model: 'gpt-4o', input_tokens: 1_000_000, cost_usd: 0, cost_source: 'reported' }),
          step({ span_id: 'no-tokens', model: 'gpt-4o' }),
          step({ span_id: 'unpriced', model: 'mystery', input_tokens: 5 }),
        ],
      };
      estimateCosts(rows, createPriceLookup(table));
      expect(rows.steps.map((s) => [s.span_id, s.cost_usd, s.cost_source])).toEqual([
        ['priced', 2.5, 'estimated'],
        ['reported', 0, 'reported'],
        ['no-tokens', 0, ''],
        ['unpriced', 0, ''],
      ]);
    });
  });
});
