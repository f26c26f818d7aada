/**
 * `xray score` (the built CLI, as a child process) against a real collector
 * on a real embedded ClickHouse: scores an execution and a step, lists the
 * scores, and says what was wrong with a bad assignment or an unknown id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { buildCli, runCli } from '../../support/cli-process.js';
import { executionSpans, jsonRequest, postJson } from '../../support/otlp-fixtures.js';

describe('xray score', () => {
  let harness: Harness;
  let dir: string;
  let execution: ReturnType<typeof executionSpans>;

  const xray = (args: string[]) => runCli(args, { XRAY_DATA_DIR: dir, XRAY_URL: harness.url, XRAY_API_KEY: harness.apiKey }, dir);

  beforeAll(async () => {
    // Test what the bin runs: the compiled CLI (incremental, so quick when already built).
    buildCli();
    harness = await startCollector();
    dir = mkdtempSync(join(tmpdir(), 'xray-cli-score-'));
    execution = executionSpans({ pipeline: 'loan', steps: [{ name: 'decide' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([execution.root, ...execution.steps]))).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores an execution and a step, then lists the scores', async () => {
    const id = execution.executionId;
    const first = await xray(['score', id, 'correct=false', '--comment', 'should approve', '--author', 'alice']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`Scored ${id}: correct = false (boolean) by alice`);
    const step = await xray(['score', id, 'verdict=too=strict', '--step', execution.steps[0].spanId]);
    expect(step.code).toBe(0);
    expect(step.stdout).toContain(`step ${execution.steps[0].spanId}: verdict = too=strict (categorical)`);
    expect((await xray(['score', id, 'quality=0.8'])).code).toBe(0);

    const { body } = await getJson(harness, `/api/v1/executions/${id}/scores`);
    expect(body.scores.map((s: any) => [s.name, s.value, s.comment])).toEqual([
      ['correct', false, 'should approve'],
      ['verdict', 'too=strict', ''],
      ['quality', 0.8, ''],
    ]);
    const list = await xray(['score', id]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+VALUE\s+STEP\s+AUTHOR\s+TIME \(UTC\)\s+COMMENT/);
    expect(list.stdout).toContain('should approve');
    expect(list.stdout).toContain('too=strict');
    const json = await xray(['score', id, '--json']);
    expect(JSON.parse(json.stdout).scores).toHaveLength(3);
  });

  it('says what is wrong with a bad assignment or an unknown execution', async () => {
    const bad = await xray(['score', execution.executionId, 'correct']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected <name>=<value>');
    const unknown = await xray(['score', 'no-such-execution', 'correct=true']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('XRAY_ERR_NOT_FOUND');
  });
});
