import { describe, expect, it } from 'vitest';
import { createColors } from '../../../../src/cli/format/colors.js';
import { markedSnippet, renderExecutionList, renderStepList } from '../../../../src/cli/format/execution-list.js';
import { makeExecution, makeStep } from '../fixtures.js';

const plain = createColors(false);

describe('execution-list', () => {
  describe('renderExecutionList', () => {
    it('lists time, id, pipeline, env, status, steps, errors and duration', () => {
      const page = {
        executions: [
          makeExecution({ executionId: 'e-2', status: 'failed', stepCount: 3, errorCount: 1, durationMs: 1234 }),
          makeExecution({ executionId: 'e-1', stepCount: 12, durationMs: 80 }),
        ],
        nextCursor: null,
      };
      expect(renderExecutionList(page, { colors: plain }).split('\n')).toEqual([
        'TIME (UTC)           ID   PIPELINE       ENV   STATUS     STEPS  ERRORS  DURATION',
        '2023-11-14 22:13:20  e-2  loan-approval  test  failed         3       1    1.23 s',
        '2023-11-14 22:13:20  e-1  loan-approval  test  completed     12       0     80 ms',
      ]);
      expect(renderExecutionList(page, { colors: plain, timeZone: 'Asia/Tokyo' }).split('\n')[1]).toMatch(/^2023-11-15 07:13:20 /);
      expect(renderExecutionList(page, { colors: plain, timeZone: 'Asia/Tokyo' }).split('\n')[0]).toMatch(/^TIME \(Asia\/Tokyo\) /);
    });

    it('colours status and errors', () => {
      const page = { executions: [makeExecution({ status: 'failed', errorCount: 2 })], nextCursor: null };
      const text = renderExecutionList(page, { colors: createColors(true) });
      expect(text).toContain('\u001b[31mfailed\u001b[39m');
      expect(text).toContain('\u001b[31m2\u001b[39m');
    });

    it('prints the cursor of the next page', () => {
      const text = renderExecutionList({ executions: [makeExecution()], nextCursor: 'abc123' }, { colors: plain });
      expect(text.split('\n').at(-1)).toBe('More results: repeat the command with --cursor abc123');
    });

    it('says when nothing matched, with the default-window hint only when the default window was used', () => {
      expect(renderExecutionList({ executions: [], nextCursor: null }, { colors: plain })).toBe(
        'No executions match (the default window is the last 7 days; --since or --from widen it).',
      );
      expect(renderExecutionList({ executions: [], nextCursor: null }, { colors: plain, explicitWindow: true })).toBe('No executions match.');
      expect(renderStepList({ steps: [], nextCursor: null }, { colors: plain, explicitWindow: true })).toBe('No steps match.');
    });
  });

  describe('renderStepList', () => {
    it('shows the error of a failed step and the reasoning of the others', () => {
      const page = {
        steps: [
          makeStep({ spanId: 'a', name: 'rules', status: 'failed', error: { type: 'ValueError', message: 'income missing', stack: '' } }),
          makeStep({ spanId: 'b', name: 'score', reasoning: 'tier B' }),
        ],
        nextCursor: null,
      };
      const lines = renderStepList(page, { colors: plain }).split('\n');
      expect(lines[0]).toMatch(/^TIME \(UTC\)\s+EXECUTION\s+STEP\s+PIPELINE\s+STATUS\s+DURATION\s+REASONING \/ ERROR$/);
      expect(lines[1]).toMatch(/exec-1\s+rules\s+loan-approval\s+failed\s+10 ms\s+ValueError: income missing$/);
      expect(lines[2]).toMatch(/exec-1\s+score\s+loan-approval\s+completed\s+10 ms\s+tier B$/);
    });

    it('shows where a search matched, the matches between « and », bold yellow with colors', () => {
      const snippet = { field: 'input' as const, text: '"note":"credit score below"', highlights: [[8, 14], [21, 26]] as [number, number][], clippedStart: true, clippedEnd: false };
      const page = { steps: [makeStep({ spanId: 'a', name: 'fetch' }), makeStep({ spanId: 'b', name: 'score', reasoning: 'tier B' })].map((step, i) => ({ ...step, snippet: i === 0 ? snippet : null })), nextCursor: null };
      const lines = renderStepList(page, { colors: plain }).split('\n');
      expect(lines[0]).toMatch(/\sMATCH$/);
      expect(lines[1]).toMatch(/fetch .* input: …"note":"«credit» score «below»"$/);
      expect(lines[2]).toMatch(/score .* tier B$/);
      const colored = renderStepList(page, { colors: createColors(true) });
      expect(colored).toContain('\u001b[1m\u001b[33mcredit\u001b[39m\u001b[22m');
      expect(colored).not.toContain('«');
    });
  });

  describe('markedSnippet', () => {
    it('puts each match between « and », ellipses where the text was clipped, on one line', () => {
      expect(markedSnippet({ field: 'reasoning', text: 'below the\nthreshold', highlights: [[10, 16]], clippedStart: false, clippedEnd: true })).toBe(
        'reasoning: below the «thresh»old…',
      );
    });
  });
});
