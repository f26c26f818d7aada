/**
 * `xray cost` (the built CLI, as a child process) against a real collector
 * with a price table on a real embedded ClickHouse: totals per model, rows
 * per bucket with --interval, the JSON of the API with --json, and what is
 * wrong with a bad flag. Every group's numbers come from what was sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { buildCli, runCli } from '../../support/cli-process.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

describe('xray cost', () => {
  let harness: Harness;
  let dir: string;
  const xray = (args: string[]) => runCli(args, { XRAY_DATA_DIR: dir, XRAY_URL: harness.url, XRAY_API_KEY: harness.apiKey, NO_COLOR: '1' }, dir);

  beforeAll(async () => {
    buildCli();
    harness = await startCollector({ priceTable: { models: [{ model: 'cheap-model', inputPerMillionUsd: 1, outputPerMillionUsd: 2 }] } });
    dir = mkdtempSync(join(tmpdir(), 'xray-cli-cost-'));
    const e = executionSpans({ pipeline: 'triage', startMs: Date.now() - 120_000, steps: [{ name: 'llm' }, { name: 'judge' }] });
    Object.assign(e.steps[0].attributes!, { 'gen_ai.request.model': 'cheap-model', 'gen_ai.provider.name': 'acme', 'gen_ai.usage.input_tokens': 300_000, 'gen_ai.usage.output_tokens': 50_000 });
    Object.assign(e.steps[1].attributes!, { 'gen_ai.request.model': 'big-model', 'gen_ai.provider.name': 'acme', 'gen_ai.usage.input_tokens': 1000, 'xray.step.cost_usd': 2.5 });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([e.root, ...e.steps]))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints tokens and cost per model, most expensive first, with the total and the estimated part', async () => {
    const { code, stdout, stderr } = await xray(['cost', '--by', 'model', '--since', '1h']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const rows = stdout.split('\n').filter((line) => /^(MODEL|big-model|cheap-model|TOTAL)\b/.test(line)).map((line) => line.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['MODEL', 'STEPS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST', 'ESTIMATED'],
      ['big-model', '1', '1,000', '0', '$2.5000', '-'],
      // 300,000 x $1/M + 50,000 x $2/M, estimated from the price table.
      ['cheap-model', '1', '300,000', '50,000', '~$0.4000', '$0.4000'],
      ['TOTAL', '2', '301,000', '50,000', '~$2.9000', '$0.4000'],
    ]);
  });

  it('prints one row per bucket with --interval, and the API reply with --json', async () => {
    const perBucket = await xray(['cost', '--by', 'provider', '--since', '1h', '--interval', '1h']);
    expect(perBucket.code).toBe(0);
    expect(perBucket.stdout).toMatch(/TIME \(UTC\)\s+PROVIDER\s+STEPS/);
    expect(perBucket.stdout).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d\s+acme\s+2\s+301,000\s+50,000\s+~\$2\.9000/);
    expect(perBucket.stdout).toContain('Buckets of 1h');

    const json = await xray(['cost', '--since', '1h', '--json']);
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout);
    expect(body).toMatchObject({ groupBy: 'pipeline', totals: { inputTokens: 301_000, outputTokens: 50_000, steps: 2 } });
    expect(body.series.map((s: { key: string }) => s.key)).toEqual(['triage']);
  });

  it('says what is wrong with a bad flag', async () => {
    const bad = await xray(['cost', '--by', 'team']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--by');
    expect(bad.stderr).toContain('pipeline | model | provider');
    const both = await xray(['cost', '--since', '1h', '--from', '2026-01-01']);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('either --since or --from/--to');
  });
});
