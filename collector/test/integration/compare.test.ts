/**
 * GET /api/v1/executions/compare and `xray diff` against a real collector
 * and embedded ClickHouse, fed by the real SDK: two runs of one pipeline
 * where a score changed, a step was added and the outcome flipped.
 */
import XRaySDK from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { runCliAgainst } from '../support/run-cli.js';

describe('compare two executions', () => {
  let harness: Harness;
  let approved: string;
  let rejected: string;

  beforeAll(async () => {
    harness = await startCollector();
    const xray = new XRaySDK({ apiKey: harness.apiKey, endpoint: harness.url, pipeline: 'loan-approval', environment: 'prod' });
    const first = xray.startExecution({ metadata: { applicantId: 'A-1041' } });
    first.recordStep({ name: 'fetch_credit_score', input: { applicantId: 'A-1041' }, output: { score: 712, bureau: 'x' } });
    first.recordStep({ name: 'check_rules', output: { approved: true }, reasoning: 'score above 650' });
    first.completeExecution({ approved: true });
    approved = first.executionId;
    const second = xray.startExecution({ metadata: { applicantId: 'A-1042' } });
    second.recordStep({ name: 'fetch_credit_score', input: { applicantId: 'A-1042' }, output: { score: 590, bureau: 'x' } });
    second.recordStep({ name: 'check_rules', output: { approved: false }, reasoning: 'score below 650', status: 'failed' });
    second.recordStep({ name: 'manual_review', output: { queued: true } });
    second.completeExecution({ approved: false });
    rejected = second.executionId;
    expect(await xray.shutdown()).toMatchObject({ dropped: 0, failed: 0 });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('aligns the steps and reports what changed, structurally', async () => {
    const { status, body } = await getJson(harness, `/api/v1/executions/compare?a=${approved}&b=${rejected}`);
    expect(status).toBe(200);
    expect(body.summary).toEqual({ added: 1, removed: 0, changed: 2, unchanged: 0 });
    expect(body.steps.map((s: any) => [s.kind, s.name])).toEqual([
      ['changed', 'fetch_credit_score'],
      ['changed', 'check_rules'],
      ['added', 'manual_review'],
    ]);
    const fetchChanges = body.steps[0].changes.filter((c: any) => c.field !== 'durationMs');
    expect(fetchChanges).toEqual([
      expect.objectContaining({ field: 'input', diff: [{ path: '$.applicantId', kind: 'changed', before: 'A-1041', after: 'A-1042' }] }),
      expect.objectContaining({ field: 'output', diff: [{ path: '$.score', kind: 'changed', before: 712, after: 590 }] }),
    ]);
    expect(body.steps[1].changes.map((c: any) => c.field)).toEqual(expect.arrayContaining(['status', 'output', 'reasoning']));
    expect(body.execution.changes.map((c: any) => c.field)).toEqual(expect.arrayContaining(['metadata', 'finalOutcome']));
    expect(body.a).toMatchObject({ executionId: approved, stepCount: 2, pipeline: 'loan-approval' });
  });

  it('answers 404 naming the id that is not in the app, and 400 without both ids', async () => {
    const missing = await getJson(harness, `/api/v1/executions/compare?a=${approved}&b=nope`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('XRAY_ERR_NOT_FOUND');
    expect(missing.body.error.message).toContain('"nope" (parameter b)');
    const bad = await getJson(harness, `/api/v1/executions/compare?a=${approved}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('XRAY_ERR_VALIDATION');
    expect(bad.body.error.message).toContain('b');
  });

  it('prints the comparison with xray diff', async () => {
    const { code, stdout, stderr } = await runCliAgainst(harness, ['diff', approved, rejected, '--duration-change', '100']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^A ${approved}  loan-approval  completed  .+  2 steps  `));
    expect(lines[1]).toMatch(new RegExp(`^B ${rejected}  loan-approval  completed  .+  3 steps  `));
    expect(stdout).toContain(['~ fetch_credit_score', '    input:', '      ~ $.applicantId: "A-1041" → "A-1042"', '    output:', '      ~ $.score: 712 → 590'].join('\n'));
    expect(stdout).toContain('    status: "completed" → "failed"');
    expect(stdout).toContain('    reasoning: "score above 650" → "score below 650"');
    expect(stdout).toContain('+ manual_review');
    expect(stdout).toContain('  ~ $.approved: true → false');
    expect(lines.at(-2)).toBe('1 added, 0 removed, 2 changed, 0 unchanged');
  });
});
