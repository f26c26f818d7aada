/**
 * No hidden failure (issue 9, item 3): an execution with more steps than the
 * SDK's cap still reads back, from a real collector and embedded ClickHouse,
 * as failed, with its failing step, its error count and how many steps were
 * dropped.
 */
import { XRay } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';

describe('@xray/sdk step cap against a real collector', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startCollector();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('reads 3,000 steps with a failure at #2,500 (cap 1,000) back as failed with that step', async () => {
    const xray = new XRay({ apiKey: harness.apiKey, endpoint: harness.url, maxStepsPerExecution: 1000 });
    const execution = xray.startExecution({ pipeline: 'long-run', executionId: 'long-1' });
    for (let i = 1; i <= 3000; i++) {
      if (i === 2500) execution.recordStep({ name: `step-${i}`, error: new Error('credit bureau timed out') });
      else execution.recordStep({ name: `step-${i}`, output: { i } });
    }
    execution.failExecution(new Error('decision failed'));
    expect(await xray.shutdown({ timeoutMillis: 20_000 })).toMatchObject({ sent: 1, failed: 0, timedOut: false });

    const { status, body } = await getJson(harness, '/api/v1/executions/long-1');
    expect(status).toBe(200);
    expect(body.execution).toMatchObject({ status: 'failed', errorCount: 1, droppedSteps: 2000, stepCount: 1000 });
    const failed = body.steps.filter((step: { status: string }) => step.status === 'failed');
    expect(failed.map((step: { name: string; error: { message: string } }) => [step.name, step.error.message])).toEqual([
      ['step-2500', 'credit bureau timed out'],
    ]);
    const names = body.steps.map((step: { name: string }) => step.name);
    expect(names[0]).toBe('step-1');
    expect(names.at(-1)).toBe('step-3000');
  });
});
