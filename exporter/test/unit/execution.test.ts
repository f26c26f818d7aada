import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { XRay } from '../../src/index.js';
import * as semconv from '../../src/semconv.js';
import type { StepInput } from '../../src/index.js';
import { byName, RecordingExporter, stepStatus } from '../support/exporters.js';

describe('execution', () => {
  let exporter: RecordingExporter;
  let xray: XRay;

  beforeEach(() => {
    vi.useFakeTimers();
    exporter = new RecordingExporter();
    xray = new XRay({ exporter });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('recordStep', () => {
    it('never throws on weird input and counts what it cannot record', async () => {
      const execution = xray.startExecution();
      const circular: Record<string, unknown> = { id: 1 };
      circular.self = circular;
      const shared = { n: 1 };
      const throwingName = Object.defineProperty({}, 'name', {
        get() {
          throw new Error('getter');
        },
      });
      const throwingGetter = Object.defineProperty({ ok: true }, 'bad', {
        enumerable: true,
        get() {
          throw new Error('getter');
        },
      });
      const weird: unknown[] = [
        undefined,
        null,
        42,
        'step',
        Symbol('s'),
        throwingName,
        { name: Symbol('n') },
        { name: 123 },
      ];
      for (const step of weird) expect(execution.recordStep(step as StepInput)).toBe(-1);

      expect(() => {
        execution.recordStep({ name: 'circular', input: circular, output: { big: 12345678901234567890n } });
        execution.recordStep({ name: 'shared', input: { a: shared, b: shared } });
        execution.recordStep({ name: 'undefined', input: undefined, output: () => 1 });
        execution.recordStep({ name: 'getter', input: throwingGetter, attributes: { weird: circular, n: 10n } });
        execution.recordStep({ name: 'bad-times', startTime: 'yesterday' as never, endTime: Number.NaN, durationMs: -5 });
        execution.recordStep({ name: 'bad-error', error: { toString: () => { throw new Error('x'); } } });
      }).not.toThrow();
      execution.completeExecution();
      await xray.flush();

      expect(xray.stats()).toMatchObject({ stepsDropped: weird.length, stepsRecorded: 6 });
      const spans = byName(exporter.calls[0]);
      expect(spans.circular.attributes[semconv.ATTR_INPUT_VALUE]).toBe('{"id":1,"self":"[Circular]"}');
      expect(spans.circular.attributes[semconv.ATTR_OUTPUT_VALUE]).toBe('{"big":"12345678901234567890"}');
      expect(spans.shared.attributes[semconv.ATTR_INPUT_VALUE]).toBe('{"a":{"n":1},"b":{"n":1}}');
      expect(spans.undefined.attributes[semconv.ATTR_INPUT_VALUE]).toBeUndefined();
      expect(spans.undefined.attributes[semconv.ATTR_OUTPUT_VALUE]).toBeUndefined();
      expect(String(spans.getter.attributes[semconv.ATTR_INPUT_VALUE])).toContain('unserializable');
      expect(spans.getter.attributes.weird).toBe('{"id":1,"self":"[Circular]"}');
      expect(spans.getter.attributes.n).toBe('"10"');
      expect(spans['bad-times'].endTime).toBeDefined();
      expect(stepStatus(spans['bad-error'])).toBe('failed');
      expect(xray.stats().serializationFailures).toBe(1);
    });

    it('returns increasing step ids', () => {
      const execution = xray.startExecution();
      expect([execution.recordStep({ name: 'a' }), execution.recordStep({ name: 'b' })]).toEqual([0, 1]);
    });

    it('keeps input by reference until completion (no serialization on the hot path)', async () => {
      const execution = xray.startExecution();
      const input = { stage: 'before' };
      execution.recordStep({ name: 'a', input });
      input.stage = 'after';
      execution.completeExecution();
      await xray.flush();
      expect(exporter.calls[0][0].attributes[semconv.ATTR_INPUT_VALUE]).toBe('{"stage":"after"}');
    });
  });

  describe('setMetadata', () => {
    it('ignores non-objects and calls after completion', async () => {
      const execution = xray.startExecution();
      execution.setMetadata(null as never);
      execution.setMetadata({ a: 1 });
      execution.completeExecution();
      execution.setMetadata({ b: 2 });
      await xray.flush();
      expect(exporter.calls[0][0].attributes[semconv.ATTR_XRAY_EXECUTION_METADATA]).toBe('{"a":1}');
    });
  });

  describe('ended', () => {
    it('turns true at completion', () => {
      const execution = xray.startExecution();
      expect(execution.ended).toBe(false);
      execution.failExecution();
      expect(execution.ended).toBe(true);
    });
  });
});
