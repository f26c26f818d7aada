import { ROOT_CONTEXT, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { XRaySpanProcessor } from '../../src/index.js';
import type { XRaySpanProcessorOptions } from '../../src/index.js';
import * as semconv from '../../src/semconv.js';
import { installContextManager } from '../support/context-manager.js';
import { byName, createFailingExporter, RecordingExporter } from '../support/exporters.js';

const GRACE = 1000;
const MAX_AGE = 10_000;
/** The sweeper ticks every min(grace, max age) / 2. */
const TICK = GRACE / 2;

describe('span-processor', () => {
  let exporter: RecordingExporter;
  let processor: XRaySpanProcessor;
  let provider: BasicTracerProvider;
  let tracer: Tracer;

  function setUp(options: XRaySpanProcessorOptions = {}): void {
    processor = new XRaySpanProcessor({ exporter, graceMillis: GRACE, maxTraceAgeMillis: MAX_AGE, ...options });
    provider = new BasicTracerProvider({ spanProcessors: [processor] });
    tracer = provider.getTracer('test');
  }

  function child(name: string, parent: Span): Span {
    return tracer.startSpan(name, {}, trace.setSpan(ROOT_CONTEXT, parent));
  }

  const parentName = (spans: ReadableSpan[], name: string): string | undefined => {
    const parentId = byName(spans)[name].parentSpanContext?.spanId;
    return spans.find((span) => span.spanContext().spanId === parentId)?.name;
  };

  beforeEach(() => {
    vi.useFakeTimers();
    exporter = new RecordingExporter();
    setUp({ environment: 'prod', serviceName: 'loan-app' });
  });

  afterEach(async () => {
    await processor.close({ timeoutMillis: 10 });
    vi.useRealTimers();
  });

  describe('onStart / onEnd', () => {
    it('exports nested and parallel spans as one batch with their tree and X-Ray attributes', async () => {
      const root = tracer.startSpan('loan-approval');
      const fetch = child('fetch', root);
      const score = child('score', root); // runs in parallel with fetch
      const http = child('fetch.http', fetch);
      http.end();
      score.setStatus({ code: SpanStatusCode.ERROR, message: 'model down' });
      score.end();
      fetch.end();
      expect(exporter.calls).toHaveLength(0);
      root.end();
      await processor.flush();

      expect(exporter.calls).toHaveLength(1);
      const spans = exporter.calls[0];
      expect(spans.map((span) => span.name)).toEqual(['fetch.http', 'score', 'fetch', 'loan-approval']);
      expect(parentName(spans, 'fetch')).toBe('loan-approval');
      expect(parentName(spans, 'score')).toBe('loan-approval');
      expect(parentName(spans, 'fetch.http')).toBe('fetch');

      const traceId = root.spanContext().traceId;
      const exported = byName(spans);
      for (const span of spans) {
        expect(span.attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBe(traceId);
        expect(span.attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('loan-approval');
        expect(span.attributes[semconv.ATTR_XRAY_ENVIRONMENT]).toBe('prod');
      }
      expect(exported['loan-approval'].attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_ROOT]: true,
        [semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]: 3,
        [semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]: 1,
        [semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 0,
        [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'completed',
      });
      expect(exported.score.attributes[semconv.ATTR_XRAY_STEP_STATUS]).toBe('failed');
      expect(exported.fetch.attributes[semconv.ATTR_XRAY_STEP_STATUS]).toBe('completed');
      expect([exported.fetch, exported.score, exported['fetch.http']].map((s) => s.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE])).toEqual([0, 1, 2]);
      // Counts go on a copy; the ended SDK span is not mutated.
      expect((root as unknown as ReadableSpan).attributes[semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]).toBeUndefined();
    });

    it('keeps a step status the span already set and marks a failed root', async () => {
      const root = tracer.startSpan('p');
      const step = child('s', root);
      step.setAttribute(semconv.ATTR_XRAY_STEP_STATUS, 'skipped');
      step.setStatus({ code: SpanStatusCode.ERROR });
      step.end();
      root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
      await processor.flush();
      const spans = byName(exporter.calls[0]);
      expect(spans.s.attributes[semconv.ATTR_XRAY_STEP_STATUS]).toBe('skipped');
      expect(spans.p.attributes[semconv.ATTR_XRAY_EXECUTION_STATUS]).toBe('failed');
      expect(spans.p.attributes[semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]).toBe(0);
    });

    it('takes the pipeline from the root xray.pipeline attribute', async () => {
      const root = tracer.startSpan('GET /loans', { attributes: { [semconv.ATTR_XRAY_PIPELINE]: 'loan-approval' } });
      child('step', root).end();
      root.end();
      await processor.flush();
      for (const span of exporter.calls[0]) expect(span.attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('loan-approval');
    });

    it('gives steps the pipeline the root sets after it started (regression: steps kept the root span name)', async () => {
      const root = tracer.startSpan('GET /loans');
      const early = child('early', root);
      early.end();
      root.setAttribute(semconv.ATTR_XRAY_PIPELINE, 'loan-approval');
      child('late', root).end();
      root.end();
      await processor.flush();
      const spans = byName(exporter.calls[0]);
      expect(spans.early.attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('loan-approval');
      expect(spans.late.attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('loan-approval');
      expect(spans['GET /loans'].attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('loan-approval');
    });

    it('treats a span with a remote parent as a root with execution id traceId+spanId', async () => {
      const remote = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1, isRemote: true });
      const root = tracer.startSpan('handler', {}, trace.setSpan(ROOT_CONTEXT, remote));
      child('step', root).end();
      root.end();
      await processor.flush();
      const expected = 'a'.repeat(32) + root.spanContext().spanId;
      expect(exporter.calls).toHaveLength(1);
      for (const span of exporter.calls[0]) expect(span.attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBe(expected);
      expect(byName(exporter.calls[0]).handler.attributes[semconv.ATTR_XRAY_EXECUTION_ROOT]).toBe(true);
    });

    it('exports independent traces as separate batches', async () => {
      const first = tracer.startSpan('first');
      const second = tracer.startSpan('second');
      child('second.step', second).end();
      second.end();
      first.end();
      await processor.flush();
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['second.step', 'second'], ['first']]);
    });
  });

  describe('graceMillis', () => {
    it('waits for a descendant that ends within the grace window', async () => {
      const root = tracer.startSpan('p');
      const slow = child('slow', root);
      root.end();
      await vi.advanceTimersByTimeAsync(GRACE / 2);
      slow.end();
      await processor.flush();
      expect(exporter.calls).toHaveLength(1);
      expect(exporter.calls[0].map((span) => span.name)).toEqual(['slow', 'p']);
    });

    it('sends the batch after the grace window and a straggler in a follow-up batch', async () => {
      const root = tracer.startSpan('p');
      const straggler = child('straggler', root);
      child('fast', root).end();
      root.end();
      await vi.advanceTimersByTimeAsync(GRACE + TICK);
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['fast', 'p']]);
      expect(byName(exporter.calls[0]).p.attributes[semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]).toBe(2);

      straggler.end();
      await processor.flush();
      expect(exporter.calls).toHaveLength(2);
      const [late] = exporter.calls[1];
      expect(late.name).toBe('straggler');
      expect(late.attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBe(root.spanContext().traceId);
      expect(late.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(processor.stats()).toMatchObject({ followUpBatches: 1, batchesSent: 2, spansDropped: 0, tracesBuffered: 0 });
    });

    it('still catches a descendant that starts after its execution was sent', async () => {
      const root = tracer.startSpan('p');
      root.end();
      expect(exporter.calls).toHaveLength(1);
      const late = child('fire-and-forget', root);
      late.end();
      await processor.flush();
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['p'], ['fire-and-forget']]);
      expect(exporter.calls[1][0].attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBe(root.spanContext().traceId);
    });
  });

  describe('maxTraceAgeMillis', () => {
    it('sends ended spans of an execution that never finishes and counts the unfinished as dropped', async () => {
      const root = tracer.startSpan('forever');
      child('done', root).end();
      await vi.advanceTimersByTimeAsync(MAX_AGE - TICK);
      expect(exporter.calls).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(2 * TICK);
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['done']]);
      expect(processor.stats()).toMatchObject({ spansDropped: 1, tracesBuffered: 0 });

      root.end();
      await processor.flush();
      expect(exporter.calls).toHaveLength(1);
      expect(processor.stats().spansDropped).toBe(1);
    });
  });

  describe('caps', () => {
    it('drops and counts roots beyond maxBufferedTraces, with their descendants', async () => {
      setUp({ maxBufferedTraces: 1 });
      const kept = tracer.startSpan('kept');
      const refused = tracer.startSpan('refused');
      const refusedChild = child('refused.child', refused);
      refusedChild.end();
      refused.end();
      kept.end();
      await processor.flush();
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['kept']]);
      expect(processor.stats()).toMatchObject({ tracesDropped: 1, spansDropped: 2 });
    });

    it('makes room by forgetting a sent execution before refusing a new root', async () => {
      setUp({ maxBufferedTraces: 1 });
      tracer.startSpan('first').end();
      tracer.startSpan('second').end();
      await processor.flush();
      expect(exporter.calls).toHaveLength(2);
      expect(processor.stats().tracesDropped).toBe(0);
    });

    it('drops and counts spans beyond maxSpansPerTrace, but keeps those that fail', async () => {
      setUp({ maxSpansPerTrace: 2 });
      const root = tracer.startSpan('p');
      child('kept', root).end();
      const over = child('over', root);
      const failing = child('over.failing', over);
      failing.setStatus({ code: SpanStatusCode.ERROR, message: 'bureau down' });
      failing.end();
      child('over.child', over).end();
      over.end();
      child('past.twice.the.cap', root).end();
      root.setStatus({ code: SpanStatusCode.ERROR });
      root.end();
      await processor.flush();
      const spans = exporter.calls[0];
      expect(spans.map((span) => span.name)).toEqual(['kept', 'over.failing', 'p']);
      expect(byName(spans).p.attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 3,
        [semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]: 1,
        [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'failed',
      });
      expect(processor.stats().spansDropped).toBe(3);
    });
  });

  describe('export', () => {
    it('runs with tracing suppressed, so the exporter creates no spans', async () => {
      const removeContextManager = installContextManager();
      try {
        const recording: boolean[] = [];
        const original = exporter.export.bind(exporter);
        exporter.export = (spans, done) => {
          // What an instrumented HTTP client would do inside the exporter.
          const httpSpan = tracer.startSpan('POST /v1/traces');
          recording.push(httpSpan.isRecording());
          httpSpan.end();
          original(spans, done);
        };
        tracer.startSpan('p').end();
        await processor.flush();
        expect(recording).toEqual([false]);
        expect(exporter.calls).toHaveLength(1);
        expect(processor.stats()).toMatchObject({ executionsStarted: 1, tracesBuffered: 0 });
        // The same call outside an export is traced: the check above can fail.
        const outside = tracer.startSpan('outside');
        expect(outside.isRecording()).toBe(true);
        outside.end();
      } finally {
        removeContextManager();
      }
    });

    it('serializes export calls into an exporter by default', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const slow = new RecordingExporter();
      const original = slow.export.bind(slow);
      slow.export = (spans, done) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          inFlight--;
          original(spans, done);
        }, 10);
      };
      exporter = slow;
      setUp();
      for (let i = 0; i < 3; i++) tracer.startSpan(`p${i}`).end();
      const flushing = processor.flush();
      await vi.advanceTimersByTimeAsync(100);
      expect((await flushing).sent).toBe(3);
      expect(maxInFlight).toBe(1);
    });
  });

  describe('flush', () => {
    it('sends ended spans of running executions now and the rest later', async () => {
      const root = tracer.startSpan('p');
      child('early', root).end();
      expect(await processor.flush()).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['early']]);
      root.end();
      await processor.flush();
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['early'], ['p']]);
      expect(processor.stats().followUpBatches).toBe(1);
    });

    it('reports failed exports without rejecting', async () => {
      exporter = createFailingExporter() as unknown as RecordingExporter;
      setUp();
      tracer.startSpan('p').end();
      expect(await processor.flush()).toEqual({ sent: 0, dropped: 0, failed: 1, timedOut: false, pending: 0 });
      expect(processor.stats().exportFailures).toBe(1);
    });

    it('is what provider.forceFlush() runs', async () => {
      const root = tracer.startSpan('p');
      child('early', root).end();
      await provider.forceFlush();
      expect(exporter.calls).toHaveLength(1);
      root.end();
    });
  });

  describe('close / shutdown', () => {
    it('sends what ended, drops and counts what is still running, and shuts the exporter down', async () => {
      const shutdown = vi.spyOn(exporter, 'shutdown');
      const root = tracer.startSpan('p');
      child('done', root).end();
      child('running', root);
      const report = await processor.close();
      expect(report).toEqual({ sent: 1, dropped: 2, failed: 0, timedOut: false, pending: 0 });
      expect(exporter.calls.map((call) => call.map((span) => span.name))).toEqual([['done']]);
      expect(shutdown).toHaveBeenCalledTimes(1);
      expect(processor.close()).toBe(processor.close());

      tracer.startSpan('after').end();
      expect(exporter.calls).toHaveLength(1);
    });

    it('is what provider.shutdown() runs', async () => {
      const shutdown = vi.spyOn(exporter, 'shutdown');
      tracer.startSpan('p').end();
      await provider.shutdown();
      expect(shutdown).toHaveBeenCalledTimes(1);
      expect(exporter.calls).toHaveLength(1);
    });
  });

  describe('constructor', () => {
    it('rejects a max age not above the grace window', () => {
      expect(() => new XRaySpanProcessor({ exporter, graceMillis: 5000, maxTraceAgeMillis: 5000 })).toThrow(/"maxTraceAgeMillis": got 5000/);
    });
  });
});
