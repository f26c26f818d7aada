/**
 * Replay against a real collector and embedded ClickHouse (issue 12 item 4):
 * an execution recorded by the SDK, replayed through `xray replay` with a
 * module whose one step changed, and through the SDK's `replayExecution` by
 * id. Without --record nothing reaches the collector (rows counted); with it
 * the replay is a new execution linked to the original (read back with SQL).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XRay, replayExecution } from '@xray/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { runCliAgainst } from '../support/run-cli.js';

const PIPELINE_SOURCE = (decideThreshold: number) => `
export async function fetch_score(input) {
  return { score: input.applicantId === 'A-1042' ? 590 : 700 };
}
export function decide(input) {
  return { approved: input.score >= ${decideThreshold}, threshold: ${decideThreshold} };
}
export default {
  'notify-applicant': (input) => 'Dear ' + input.name + ', your application was reviewed.',
};
`;

describe('replay', () => {
  let harness: Harness;
  let dir: string;
  let executionId: string;
  let changedModule: string;
  let unchangedModule: string;

  async function rowCounts(): Promise<{ executions: number; steps: number }> {
    const [row] = await harness.sql<{ executions: string; steps: string }>(
      'SELECT (SELECT count() FROM executions WHERE app_id = {appId:String}) AS executions, (SELECT count() FROM steps WHERE app_id = {appId:String}) AS steps',
      { appId: harness.appId },
    );
    return { executions: Number(row.executions), steps: Number(row.steps) };
  }

  beforeAll(async () => {
    harness = await startCollector();
    dir = mkdtempSync(join(tmpdir(), 'xray-replay-'));
    unchangedModule = join(dir, 'pipeline-v1.mjs');
    changedModule = join(dir, 'pipeline-v2.mjs');
    writeFileSync(unchangedModule, PIPELINE_SOURCE(650));
    writeFileSync(changedModule, PIPELINE_SOURCE(550));

    const xray = new XRay({ endpoint: harness.url, apiKey: harness.apiKey, pipeline: 'replay-loan' });
    const execution = xray.startExecution({ tags: { applicantId: 'A-1042' } });
    const fetched = execution.recordStep({ name: 'fetch_score', input: { applicantId: 'A-1042' }, output: { score: 590 } });
    execution.recordStep({ name: 'decide', input: { score: 590 }, output: { approved: false, threshold: 650 }, parentStepId: fetched });
    execution.recordStep({ name: 'notify-applicant', input: { name: 'Ada' }, output: 'Dear Ada, your application was reviewed.' });
    execution.recordStep({ name: 'audit', input: { event: 'decided' } });
    execution.completeExecution({ approved: false });
    expect(await xray.shutdown()).toMatchObject({ sent: 1, failed: 0 });
    executionId = execution.executionId;
  });
  afterAll(async () => {
    await harness?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reports the one changed step with its diff, ends with it, exits 1 and sends nothing', async () => {
    const before = await rowCounts();
    const result = await runCliAgainst(harness, ['replay', executionId, '--module', changedModule]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain('= fetch_score       match');
    expect(lines).toContain('~ decide            output differs');
    expect(lines).toContain('    ~ $.approved: false → true');
    expect(lines).toContain('    ~ $.threshold: 650 → 550');
    expect(lines).toContain('= notify-applicant  match');
    expect(lines).toContain('- audit             skipped: no function "audit" in the module');
    expect(lines.at(-2)).toBe('2 match, 1 diverged, 1 skipped');
    expect(lines.at(-1)).toBe('first diverging step: decide (sequence 1)');
    expect(await rowCounts()).toEqual(before);
  });

  it('exits 0 when every step that ran matches', async () => {
    const result = await runCliAgainst(harness, ['replay', executionId, '--module', unchangedModule]);
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('no step diverged');
  });

  it('records the replay with --record as a new execution linked to the original', async () => {
    const before = await rowCounts();
    const result = await runCliAgainst(harness, ['replay', executionId, '--module', changedModule, '--record', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.firstDivergence.name).toBe('decide');
    const replayId = report.recorded.executionId;
    expect(replayId).not.toBe(executionId);

    const [execution] = await harness.sql<{ replay_of: string; pipeline: string; environment: string; step_count: number }>(
      "SELECT attributes['xray.replay_of'] AS replay_of, pipeline, environment, step_count FROM executions FINAL WHERE app_id = {appId:String} AND execution_id = {id:String}",
      { appId: harness.appId, id: replayId },
    );
    expect(execution).toMatchObject({ replay_of: executionId, pipeline: 'replay-loan', environment: 'replay' });
    expect(Number(execution.step_count)).toBe(3);
    const steps = await harness.sql<{ name: string; output: string; outcome: string }>(
      "SELECT name, output, attributes['xray.replay_outcome'] AS outcome FROM steps FINAL WHERE app_id = {appId:String} AND execution_id = {id:String} ORDER BY sequence",
      { appId: harness.appId, id: replayId },
    );
    expect(steps.map((s) => [s.name, s.outcome])).toEqual([
      ['fetch_score', 'match'],
      ['decide', 'diff'],
      ['notify-applicant', 'match'],
    ]);
    expect(JSON.parse(steps[1].output)).toEqual({ approved: true, threshold: 550 });
    expect(await rowCounts()).toEqual({ executions: before.executions + 1, steps: before.steps + 3 });
    // The replay is a business key of the new execution.
    const listed = await runCliAgainst(harness, ['executions', '--where', `xray.replay_of=${executionId}`, '--json']);
    expect(JSON.parse(listed.stdout).executions.map((e: { executionId: string }) => e.executionId)).toEqual([replayId]);
  });

  it('is replayExecution(id, steps) in the SDK, fetching through the query API', async () => {
    const steps = await import(changedModule);
    const report = await replayExecution(executionId, { ...steps, ...steps.default }, { endpoint: harness.url, apiKey: harness.apiKey });
    expect(report.firstDivergence?.name).toBe('decide');
    expect(report.steps.map((s) => s.outcome)).toEqual(['match', 'diff', 'match', 'skipped']);
  });

  it('gives up on a step that hangs after --step-timeout and reports it as the divergence', async () => {
    const hanging = join(dir, 'pipeline-hangs.mjs');
    writeFileSync(hanging, "export const decide = () => new Promise(() => {});\n");
    const result = await runCliAgainst(harness, ['replay', executionId, '--module', hanging, '--step-timeout', '1s', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.firstDivergence).toMatchObject({ name: 'decide', outcome: 'failed', error: 'recorded completed, now did not finish within 1000 ms' });
    const bad = await runCliAgainst(harness, ['replay', executionId, '--module', hanging, '--step-timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--step-timeout must be');
  });

  it('says what is wrong with the command line or the module', async () => {
    const noModule = await runCliAgainst(harness, ['replay', executionId]);
    expect(noModule.code).toBe(2);
    expect(noModule.stderr).toContain('--module must name the JavaScript file');
    const missing = await runCliAgainst(harness, ['replay', executionId, '--module', join(dir, 'nope.mjs')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot load --module');
    const unknown = await runCliAgainst(harness, ['replay', 'no-such-execution', '--module', changedModule]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('XRAY_ERR_NOT_FOUND');
  });
});
