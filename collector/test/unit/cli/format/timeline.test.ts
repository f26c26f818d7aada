import { describe, expect, it } from 'vitest';
import { createColors } from '../../../../src/cli/format/colors.js';
import { stripAnsi } from '../../../../src/cli/format/text.js';
import { MAX_INDENT_LEVELS, barCells, layoutTimeline, renderTimeline } from '../../../../src/cli/format/timeline.js';
import { makeExecution, makeStep, nanosAt, nestedExecution } from '../fixtures.js';

const plain = createColors(false);

describe('timeline', () => {
  describe('layoutTimeline', () => {
    it('gives depth from parent span ids and keeps children under their parent', () => {
      const { execution, steps } = nestedExecution();
      const { rows } = layoutTimeline(steps, execution!);
      expect(rows.map((row) => [row.step.name, row.depth])).toEqual([
        ['fetch', 0],
        ['gather', 0],
        ['llm', 1],
        ['fraud', 1],
        ['rules', 0],
      ]);
    });

    it('places bars by offset and duration over the execution window', () => {
      const { execution, steps } = nestedExecution();
      const layout = layoutTimeline(steps, execution!);
      expect(layout.windowMs).toBe(100);
      const byName = Object.fromEntries(layout.rows.map((row) => [row.step.name, row]));
      expect(byName.fetch).toMatchObject({ offsetMs: 0, offsetFraction: 0, widthFraction: 0.2 });
      expect(byName.gather).toMatchObject({ offsetMs: 20, offsetFraction: 0.2, widthFraction: 0.6 });
      // Parallel siblings start together.
      expect(byName.llm.offsetFraction).toBeCloseTo(0.25);
      expect(byName.fraud.offsetFraction).toBeCloseTo(0.25);
      expect(byName.llm.widthFraction).toBeCloseTo(0.5);
      expect(byName.rules).toMatchObject({ offsetFraction: 0.8, widthFraction: 0.2 });
    });

    it('puts a child under its parent even when the API lists the child first', () => {
      const steps = [
        makeStep({ spanId: 'child', parentSpanId: 'parent', name: 'child', sequence: 0, offsetMs: 5 }),
        makeStep({ spanId: 'parent', name: 'parent', sequence: 1, offsetMs: 0, durationMs: 30 }),
      ];
      expect(layoutTimeline(steps).rows.map((row) => `${row.depth}:${row.step.name}`)).toEqual(['0:parent', '1:child']);
    });

    it('widens the window to steps outside the execution and uses the steps alone without one', () => {
      const steps = [makeStep({ spanId: 'a', name: 'a', offsetMs: -10, durationMs: 10 }), makeStep({ spanId: 'b', name: 'b', offsetMs: 90, durationMs: 30 })];
      const withExecution = layoutTimeline(steps, { startTimeUnixNano: nanosAt(0), durationMs: 100 });
      expect(withExecution.windowMs).toBe(130);
      expect(withExecution.rows[0].offsetFraction).toBe(0);
      const stepsOnly = layoutTimeline(steps);
      expect(stepsOnly.windowMs).toBe(130);
      expect(stepsOnly.rows[1].offsetFraction).toBeCloseTo(100 / 130);
    });

    it('does not loop or drop steps whose parent links form a cycle', () => {
      const steps = [
        makeStep({ spanId: 'x', parentSpanId: 'y', name: 'x' }),
        makeStep({ spanId: 'y', parentSpanId: 'x', name: 'y' }),
      ];
      expect(layoutTimeline(steps).rows.map((row) => row.step.name).sort()).toEqual(['x', 'y']);
    });

    it('gives an instant execution full-width bars instead of dividing by zero', () => {
      const { rows, windowMs } = layoutTimeline([makeStep({ spanId: 'a', name: 'a', durationMs: 0 })]);
      expect(windowMs).toBe(0);
      expect(rows[0]).toMatchObject({ offsetFraction: 0, widthFraction: 1 });
    });
  });

  describe('barCells', () => {
    it('maps fractions onto cells of the track', () => {
      expect(barCells(0, 0.2, 50)).toEqual({ start: 0, length: 10 });
      expect(barCells(0.8, 0.2, 50)).toEqual({ start: 40, length: 10 });
    });

    it('shows an instant step as one cell and never runs past the end', () => {
      expect(barCells(0.5, 0, 20)).toEqual({ start: 10, length: 1 });
      expect(barCells(1, 0, 20)).toEqual({ start: 19, length: 1 });
      expect(barCells(0.9, 0.5, 20)).toEqual({ start: 18, length: 2 });
    });
  });

  describe('renderTimeline', () => {
    it('prints a header, then one line per step indented by depth with a proportional bar, mark and duration', () => {
      const text = renderTimeline(nestedExecution(), { colors: plain, width: 80 });
      const lines = text.split('\n');
      expect(lines[0]).toBe('loan-approval  ✗ failed');
      expect(text).toContain('execution  exec-1');
      expect(text).toContain('started    2023-11-14 22:13:20 UTC   duration 100 ms');
      expect(text).toContain('error      rules failed');

      const stepLines = lines.filter((line) => /^[✓✗•] /.test(line));
      expect(stepLines.map((line) => line.slice(2).trim().split(/\s{2,}/)[0])).toEqual(['fetch', 'gather', 'llm', 'fraud', 'rules']);
      expect(stepLines[2]).toMatch(/^✓ {3}llm/); // depth 1: two more spaces
      expect(stepLines[4]).toMatch(/^✗ rules/);
      for (const line of stepLines) expect(line.length).toBeLessThanOrEqual(80);

      // width 80 and the widest label '  fraud' (7), so the track is 80 - 2 - 7 - 2 - 2 - 8 = 59 cells
      const bar = (line: string) => /[·█]+/.exec(line)![0];
      expect(bar(stepLines[0])).toHaveLength(59);
      expect(bar(stepLines[0]).indexOf('█')).toBe(0);
      expect(bar(stepLines[0]).match(/█/g)).toHaveLength(Math.round(0.2 * 59));
      expect(bar(stepLines[2]).indexOf('█')).toBe(Math.floor(0.25 * 59));
      expect(bar(stepLines[3]).indexOf('█')).toBe(Math.floor(0.25 * 59));
      expect(bar(stepLines[4]).lastIndexOf('█')).toBe(58);
      expect(stepLines[4].endsWith(' 20 ms')).toBe(true);
    });

    it('prints the error under a failed step and the reasoning under its step', () => {
      const lines = renderTimeline(nestedExecution(), { colors: plain, width: 80 }).split('\n');
      const rules = lines.findIndex((line) => line.startsWith('✗ rules'));
      expect(lines[rules + 1]).toBe('    error: ValueError: income missing');
      const fetch = lines.findIndex((line) => line.startsWith('✓ fetch'));
      expect(lines[fetch + 1]).toBe('    › score 712 puts the applicant in tier B');
    });

    it('colours the failed step red and the reasoning dim when colours are on', () => {
      const text = renderTimeline(nestedExecution(), { colors: createColors(true), width: 80 });
      expect(text).toContain('\u001b[31m✗\u001b[39m');
      expect(text).toContain('\u001b[31merror: ValueError: income missing\u001b[39m');
      expect(text).toContain('\u001b[2m› score 712 puts the applicant in tier B\u001b[22m');
      expect(stripAnsi(text)).toBe(renderTimeline(nestedExecution(), { colors: plain, width: 80 }));
    });

    it('wraps long reasoning under the step, lining continuation lines up', () => {
      const detail = { execution: makeExecution(), steps: [makeStep({ spanId: 'a', name: 'a', reasoning: 'word '.repeat(30).trim() })] };
      const lines = renderTimeline(detail, { colors: plain, width: 40 }).split('\n');
      const first = lines.findIndex((line) => line.startsWith('    › word'));
      expect(lines[first + 1]).toMatch(/^ {6}word/);
      // The header may run long; the step and the lines under it fit.
      for (const line of lines.slice(lines.indexOf(''))) expect(line.length).toBeLessThanOrEqual(40);
    });

    it('prints input and output only with verbose, pretty and cut with a note', () => {
      const step = makeStep({
        spanId: 'a',
        name: 'a',
        input: JSON.stringify({ prompt: 'p'.repeat(1000), n: 1 }),
        output: 'plain text output',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 10,
        outputTokens: 2,
      });
      const detail = { execution: makeExecution(), steps: [step] };
      expect(renderTimeline(detail, { colors: plain, width: 100 })).not.toContain('input:');
      const text = renderTimeline(detail, { colors: plain, width: 100, verbose: true });
      expect(text).toContain('    input:\n      {\n        "prompt": "ppp');
      expect(text).toContain('"n": 1');
      expect(text).toContain('(long values truncated; `xray show --json` prints them in full)');
      expect(text).toContain('    output:\n      plain text output');
      expect(text).toContain('model: openai/gpt-4o   10 in / 2 out tokens');
      expect(text).not.toContain('p'.repeat(300));
    });

    it('notes a value cut to the terminal width too', () => {
      const step = makeStep({ spanId: 'a', name: 'a', output: JSON.stringify({ text: 'w'.repeat(150) }) });
      const text = renderTimeline({ execution: makeExecution(), steps: [step] }, { colors: plain, width: 80, verbose: true });
      expect(text).toContain('(long values truncated; `xray show --json` prints them in full)');
      for (const line of text.split('\n').slice(text.split('\n').indexOf(''))) expect(line.length).toBeLessThanOrEqual(80);
    });

    it('says so when the root span has not arrived yet', () => {
      const text = renderTimeline({ execution: null, steps: [makeStep({ spanId: 'a', name: 'a' })] }, { colors: plain, width: 80 });
      expect(text.split('\n')[0]).toBe('loan-approval  • root span not received yet');
      expect(text).toContain('execution  exec-1');
      expect(text).toContain('✓ a');
    });

    it('cuts names longer than the name column instead of breaking the layout', () => {
      const detail = { execution: makeExecution(), steps: [makeStep({ spanId: 'a', name: 'n'.repeat(100) })] };
      const line = renderTimeline(detail, { colors: plain, width: 60 }).split('\n').find((l) => l.startsWith('✓'))!;
      expect(line.length).toBeLessThanOrEqual(60);
      expect(line).toContain('n…');
    });
  });

  describe('renderTimeline for big executions', () => {
    /** A chain `depth` steps deep (each the child of the previous), one failed at the bottom. */
    function deepChain(depth: number) {
      const steps = Array.from({ length: depth }, (_, i) =>
        makeStep({
          spanId: `s${i}`,
          parentSpanId: i === 0 ? 'root' : `s${i - 1}`,
          name: `level_${i}_${'x'.repeat(12)}`,
          sequence: i,
          offsetMs: i,
          durationMs: 100 - i,
          ...(i === depth - 1 ? { status: 'failed', error: { type: 'E', message: 'deep failure', stack: '' } } : {}),
        }),
      );
      return { execution: makeExecution({ durationMs: 100, stepCount: depth, errorCount: 1 }), steps };
    }
    const stepLines = (text: string) => text.split('\n').filter((line) => /^[✓✗•] /.test(line));
    const trackStart = (line: string) => line.search(/[·█]/);

    it('keeps bars aligned and names readable at 40 levels of nesting in 100 columns', () => {
      const lines = stepLines(renderTimeline(deepChain(40), { colors: plain, width: 100 }));
      expect(lines).toHaveLength(40);
      const starts = new Set(lines.map(trackStart));
      expect(starts.size).toBe(1);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
      // Indent stops growing at MAX_INDENT_LEVELS; deeper rows say their depth and keep at least 12 characters of name.
      expect(lines[39]).toContain(`[39] level_39_`);
      expect(lines[39].indexOf('[39]')).toBe(2 + 2 * MAX_INDENT_LEVELS);
      expect(lines[39]).not.toMatch(/ …\s/);
      expect(lines[5]).toMatch(/^✓ {11}level_5_xxxxxxxxxxxx /);
    });

    it('--failed keeps the failed steps and their ancestors, and says what it hid', () => {
      const text = renderTimeline(nestedExecution(), { colors: plain, width: 80, filter: { failedOnly: true } });
      expect(stepLines(text).map((line) => line.slice(2).trim().split(/\s+/)[0])).toEqual(['rules']);
      expect(text).toContain('showing    1 of 5 steps (--failed; ancestors kept for context)');
      const deep = renderTimeline(deepChain(6), { colors: plain, width: 100, filter: { failedOnly: true } });
      expect(stepLines(deep)).toHaveLength(6);
    });

    it('--depth keeps the first levels', () => {
      const text = renderTimeline(nestedExecution(), { colors: plain, width: 80, filter: { maxDepth: 1 } });
      expect(stepLines(text).map((line) => line.slice(2).trim().split(/\s+/)[0])).toEqual(['fetch', 'gather', 'rules']);
      expect(text).toContain('showing    3 of 5 steps (--depth 1; ancestors kept for context)');
    });

    it('--step keeps matching names (substring or glob) with their ancestors', () => {
      const names = (filter: object) =>
        stepLines(renderTimeline(nestedExecution(), { colors: plain, width: 80, filter })).map((line) => line.slice(2).trim().split(/\s+/)[0]);
      expect(names({ stepPattern: 'FRAUD' })).toEqual(['gather', 'fraud']);
      expect(names({ stepPattern: '*r*s' })).toEqual(['rules']);
      expect(names({ stepPattern: 'l?m' })).toEqual(['gather', 'llm']);
      expect(names({ stepPattern: 'nothing' })).toEqual([]);
      expect(renderTimeline(nestedExecution(), { colors: plain, width: 80, filter: { stepPattern: 'nothing' } })).toContain('No steps match --step "nothing".');
    });

    it('puts the outcome, metadata and totals in the header', () => {
      const detail = nestedExecution();
      detail.execution = { ...detail.execution!, finalOutcome: { approved: false, reason: 'income missing' }, metadata: { customer: 'c-42' } };
      detail.steps[2] = { ...detail.steps[2], model: 'gpt-4o', inputTokens: 1200, outputTokens: 300, costUsd: 0.0125 };
      detail.steps[3] = { ...detail.steps[3], inputTokens: 800, outputTokens: 0, costUsd: 0.002 };
      const text = renderTimeline(detail, { colors: plain, width: 100 });
      expect(text).toContain('totals     2,000 in / 300 out tokens   cost $0.0145');
      expect(text).toContain('outcome    {"approved":false,"reason":"income missing"}');
      expect(text).toContain('metadata   {"customer":"c-42"}');
      const verbose = renderTimeline(detail, { colors: plain, width: 100, verbose: true });
      expect(verbose).toMatch(/outcome {4}\{\n {15}"approved": false,/);
    });
  });
});
