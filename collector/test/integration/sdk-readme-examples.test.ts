/**
 * Every Node example of exporter/README.md, run unchanged as its own Node
 * process against a real collector (key and endpoint from XRAY_API_KEY and
 * XRAY_ENDPOINT, as the README says), then read back through the API. The
 * browser example runs in Chromium in browser-sdk.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { readmeExamples } from '../support/readme-examples.js';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const examples = readmeExamples();

describe('exporter/README.md examples', () => {
  let harness: Harness;
  let dir: string;

  beforeAll(async () => {
    harness = await startCollector();
    // Inside the repository (in the ignored .xray/ folder), so '@xray/sdk' resolves as an installed package.
    mkdirSync(join(REPO_ROOT, '.xray'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, '.xray', 'readme-examples-'));
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runExample(name: string): Promise<string> {
    const code = examples.get(name);
    expect(code, `exporter/README.md has no example "${name}"`).toBeDefined();
    const file = join(dir, `${name}.mjs`);
    writeFileSync(file, code as string);
    const { stdout } = await run(process.execPath, [file], {
      cwd: dir,
      env: { ...process.env, XRAY_API_KEY: harness.apiKey, XRAY_ENDPOINT: harness.url },
    });
    return stdout;
  }

  it('lists the examples this test runs', () => {
    expect([...examples.keys()].sort()).toEqual(['browser', 'failures', 'long-execution', 'record-steps', 'span-processor', 'track-execution']);
  });

  it('record-steps: stores the execution with its nested steps and service name', async () => {
    expect(await runExample('record-steps')).toContain('sent: 1');
    const { body } = await getJson(harness, '/api/v1/executions/readme-record-steps');
    expect(body.execution).toMatchObject({ pipeline: 'loan-approval', environment: 'prod', serviceName: 'loan-api', status: 'completed', stepCount: 3 });
    const [score, normalize, decide] = body.steps;
    expect([score.name, normalize.name, decide.name]).toEqual(['fetch_credit_score', 'normalize', 'decide']);
    expect(normalize.parentSpanId).toBe(score.spanId);
    expect(decide).toMatchObject({ model: 'gpt-4o', provider: 'openai', inputTokens: 812, outputTokens: 64, reasoning: 'score of 700 or more is approved' });
  });

  it('track-execution: times each ctx.step and returns the result', async () => {
    expect(await runExample('track-execution')).toContain('noir-1');
    const { body } = await getJson(harness, '/api/v1/executions/readme-track-execution');
    expect(body.execution).toMatchObject({ pipeline: 'movie_rec', serviceName: 'movies', status: 'completed' });
    expect(body.steps.map((step: { name: string }) => step.name)).toEqual(['fetch_preferences', 'search', 'rank']);
  });

  it('span-processor: turns a root span into an execution', async () => {
    expect(await runExample('span-processor')).toContain('sent: 1');
    const { body } = await getJson(harness, '/api/v1/executions?pipeline=checkout');
    expect(body.executions.map((execution: { serviceName: string; environment: string }) => [execution.serviceName, execution.environment])).toEqual([
      ['checkout', 'prod'],
    ]);
  });

  it('failures: a wrong key is reported once, with the collector code, and counted three times', async () => {
    const stdout = await runExample('failures');
    const reports = stdout.split('\n').filter((line) => line.startsWith('XRAY_ERR_'));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^XRAY_ERR_AUTH_INVALID_KEY - .*XRAY_API_KEY/);
    expect(stdout).toContain("3 { XRAY_ERR_AUTH_INVALID_KEY: 3 }");
  });

  it('long-execution: 3,000 steps over a 1,000-step cap read back as failed with the failing step', async () => {
    expect(await runExample('long-execution')).toMatch(/sent: 1[\s\S]*2000/);
    const { body } = await getJson(harness, '/api/v1/executions/readme-long-execution');
    expect(body.execution).toMatchObject({ status: 'failed', errorCount: 1, droppedSteps: 2000 });
    expect(body.steps.filter((step: { status: string }) => step.status === 'failed').map((step: { name: string }) => step.name)).toEqual(['score-2500']);
  });
});
