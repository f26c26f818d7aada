import { describe, expect, it } from 'vitest';
import { compareExecutions } from '../../../src/compare/compare-executions.js';
import type { ComparableExecution, ComparableStep } from '../../../src/compare/compare-executions.js';

function execution(overrides: Partial<ComparableExecution> = {}): ComparableExecution {
  return {
    executionId: 'e',
    pipeline: 'loan',
    status: 'completed',
    durationMs: 100,
    startTime: '2024-05-01T00:00:00.000Z',
    errorMessage: '',
    metadata: null,
    finalOutcome: { approved: true },
    ...overrides,
  };
}

let id = 0;
function step(name: string, sequence: number, overrides: Partial<ComparableStep> = {}): ComparableStep {
  return {
    spanId: `s${id++}`,
    parentSpanId: 'root',
    sequence,
    name,
    startTimeUnixNano: String(sequence),
    status: 'completed',
    durationMs: 10,
    input: '{"applicantId":"A-1042"}',
    output: '{"score":712}',
    reasoning: 'ok',
    error: null,
    ...overrides,
  };
}

describe('compare-executions', () => {
  describe('compareExecutions', () => {
    it('reports two equal runs as unchanged', () => {
      const result = compareExecutions(
        { execution: execution(), steps: [step('a', 0), step('b', 1)] },
        { execution: execution({ executionId: 'f' }), steps: [step('a', 0), step('b', 1)] },
      );
      expect(result.summary).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 2 });
      expect(result.execution.changes).toEqual([]);
      expect(result.a.executionId).toBe('e');
      expect(result.b).toMatchObject({ executionId: 'f', stepCount: 2 });
    });

    it('diffs JSON output structurally and text fields as a whole', () => {
      const result = compareExecutions(
        { execution: execution(), steps: [step('score', 0, { output: '{"score":712,"band":"B"}', reasoning: 'above threshold' })] },
        { execution: execution(), steps: [step('score', 0, { output: '{"score":590,"band":"B"}', reasoning: 'below threshold' })] },
      );
      const [comparison] = result.steps;
      expect(comparison.kind).toBe('changed');
      expect(comparison.changes).toEqual([
        {
          field: 'output',
          before: { score: 712, band: 'B' },
          after: { score: 590, band: 'B' },
          diff: [{ path: '$.score', kind: 'changed', before: 712, after: 590 }],
        },
        { field: 'reasoning', before: 'above threshold', after: 'below threshold' },
      ]);
    });

    it('compares non-JSON values as text, without a structural diff', () => {
      const result = compareExecutions(
        { execution: execution(), steps: [step('s', 0, { input: 'plain words' })] },
        { execution: execution(), steps: [step('s', 0, { input: 'other words' })] },
      );
      expect(result.steps[0].changes).toEqual([{ field: 'input', before: 'plain words', after: 'other words' }]);
    });

    it('reports status and error changes, and a duration change only beyond the threshold', () => {
      const a = { execution: execution(), steps: [step('s', 0, { durationMs: 100 }), step('t', 1, { durationMs: 100 })] };
      const b = {
        execution: execution({ status: 'failed', errorMessage: 'rules failed', durationMs: 101 }),
        steps: [
          step('s', 0, { durationMs: 110 }),
          step('t', 1, { durationMs: 300, status: 'failed', error: { type: 'RuleError', message: 'limit exceeded' } }),
        ],
      };
      const result = compareExecutions(a, b);
      expect(result.steps[0].kind).toBe('unchanged');
      expect(result.steps[1].changes).toEqual([
        { field: 'status', before: 'completed', after: 'failed' },
        { field: 'durationMs', before: 100, after: 300, deltaMs: 200 },
        { field: 'error', before: null, after: 'RuleError: limit exceeded' },
      ]);
      expect(result.execution.changes.map((c) => c.field)).toEqual(['status', 'errorMessage']);
      expect(compareExecutions(a, b, { durationChangePct: 5 }).steps[0].changes).toEqual([
        { field: 'durationMs', before: 100, after: 110, deltaMs: 10 },
      ]);
      expect(compareExecutions(a, b, { durationChangePct: 0 }).execution.changes.map((c) => c.field)).toContain('durationMs');
    });

    it('counts added and removed steps and diffs the final outcome', () => {
      const result = compareExecutions(
        { execution: execution(), steps: [step('fetch', 0), step('enrich', 1)] },
        { execution: execution({ finalOutcome: { approved: false } }), steps: [step('fetch', 0), step('manual_review', 1)] },
      );
      expect(result.summary).toEqual({ added: 1, removed: 1, changed: 0, unchanged: 1 });
      expect(result.steps.map((s) => [s.kind, s.name])).toEqual([
        ['unchanged', 'fetch'],
        ['removed', 'enrich'],
        ['added', 'manual_review'],
      ]);
      expect(result.steps[1]).toMatchObject({ a: { sequence: 1 }, b: null, changes: [] });
      expect(result.execution.changes).toEqual([
        { field: 'finalOutcome', before: { approved: true }, after: { approved: false }, diff: [{ path: '$.approved', kind: 'changed', before: true, after: false }] },
      ]);
    });
  });
});
