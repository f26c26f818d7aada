import { beforeEach, describe, expect, it, vi } from 'vitest';
import { XRay } from '../../src/index.js';
import * as semconv from '../../src/semconv.js';
import { RecordingExporter, stepStatus } from '../support/exporters.js';

/** Records `total` steps named `s<i>`, failing those in `failAt`, and returns the exported spans. */
async function record(cap: number, total: number, failAt: Set<number>) {
  const exporter = new RecordingExporter();
  const xray = new XRay({ exporter, maxStepsPerExecution: cap });
  const execution = xray.startExecution({ pipeline: 'p' });
  for (let i = 0; i < total; i++) {
    execution.recordStep(failAt.has(i) ? { name: `s${i}`, error: new Error(`boom ${i}`) } : { name: `s${i}` });
  }
  execution.failExecution(new Error('pipeline failed'));
  await xray.flush();
  const spans = exporter.getFinishedSpans();
  const root = spans.find((span) => span.attributes[semconv.ATTR_XRAY_EXECUTION_ROOT] === true)!;
  const steps = spans.filter((span) => span !== root);
  return { xray, root, steps, names: steps.map((span) => span.name) };
}

describe('step-trim', () => {
  beforeEach(() => {
    vi.useRealTimers();
  });

  describe('trimOneStep (through recordStep)', () => {
    it('keeps the first quarter, every failed step and the last steps, and counts the rest', async () => {
      const { root, steps, names, xray } = await record(100, 3000, new Set([2500]));
      expect(steps).toHaveLength(100);
      expect(names.slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => `s${i}`));
      expect(names).toContain('s2500');
      expect(names.slice(-74)).toEqual(Array.from({ length: 74 }, (_, i) => `s${2926 + i}`));
      const failed = steps.find((span) => span.name === 's2500')!;
      expect(stepStatus(failed)).toBe('failed');
      expect(failed.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE]).toBe(2500);
      expect(root.attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'failed',
        [semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]: 1,
        [semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 2900,
        [semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]: 100,
      });
      expect(xray.stats()).toMatchObject({ stepsRecorded: 3000, stepsDropped: 2900 });
    });

    it('gives up failed steps only when the middle holds nothing else, and still counts them as errors', async () => {
      const failAt = new Set(Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 2 === 0));
      const { root, steps, names } = await record(40, 3000, failAt);
      expect(steps).toHaveLength(40);
      // The last ten steps survive even though the middle is full of failures.
      expect(names.slice(-10)).toEqual(Array.from({ length: 10 }, (_, i) => `s${2990 + i}`));
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]).toBe(1500);
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]).toBe(2960);
    });

    it('keeps sequences increasing and parents pointing at kept steps (or the root) after compaction', async () => {
      const exporter = new RecordingExporter();
      const xray = new XRay({ exporter, maxStepsPerExecution: 10 });
      const execution = xray.startExecution();
      const first = execution.recordStep({ name: 'first' });
      let previous = first;
      for (let i = 0; i < 5000; i++) previous = execution.recordStep({ name: `s${i}`, parentStepId: i % 7 === 0 ? first : previous });
      execution.completeExecution();
      await xray.flush();
      const spans = exporter.getFinishedSpans();
      const root = spans.at(-1)!;
      const steps = spans.slice(0, -1);
      const sequences = steps.map((span) => span.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE] as number);
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(10);
      const spanIds = new Set([root.spanContext().spanId, ...steps.map((span) => span.spanContext().spanId)]);
      for (const span of steps) expect(spanIds.has(span.parentSpanContext!.spanId)).toBe(true);
    });

    it('fills a ctx.step kept while it ran, after other steps were trimmed', async () => {
      const exporter = new RecordingExporter();
      const xray = new XRay({ exporter, maxStepsPerExecution: 8 });
      await xray.trackExecution('p', async (ctx) => {
        await ctx.step('outer', async () => {
          for (let i = 0; i < 50; i++) ctx.recordStep({ name: `inner${i}` });
          await Promise.resolve();
        });
      });
      await xray.flush();
      const spans = exporter.getFinishedSpans();
      const outer = spans.find((span) => span.name === 'outer')!;
      expect(stepStatus(outer)).toBe('completed');
      expect(spans).toHaveLength(9);
    });
  });
});
