import { SpanStatusCode } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import XRaySDK, { XRay } from '../../src/index.js';
import * as semconv from '../../src/semconv.js';
import { byName, createFailingExporter, createManualExporter, millis, RecordingExporter, stepStatus } from '../support/exporters.js';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('xray', () => {
  let exporter: RecordingExporter;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
    exporter = new RecordingExporter();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('default export', () => {
    it('is the XRay class', () => {
      expect(XRaySDK).toBe(XRay);
    });
  });

  describe('exporter option', () => {
    it('works with the stock InMemorySpanExporter', async () => {
      const inMemory = new InMemorySpanExporter();
      const xray = new XRay({ exporter: inMemory });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'one' });
      execution.completeExecution();
      const flushing = xray.flush();
      await vi.advanceTimersByTimeAsync(0); // it answers on a 0 ms timer
      expect(await flushing).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
      expect(inMemory.getFinishedSpans().map((span) => span.name)).toEqual(['one', 'default']);
    });
  });

  describe('startExecution + recordStep + completeExecution', () => {
    it('exports the README example as exactly one export call: the root and two children', async () => {
      const xray = new XRaySDK({ exporter, serviceName: 'my-loan-app', pipeline: 'loan-approval', environment: 'prod' });
      const execution = xray.startExecution();
      vi.advanceTimersByTime(50);
      execution.recordStep({ name: 'fetch_credit_score', input: { userId: '123' }, output: { score: 750 }, status: 'completed' });
      vi.advanceTimersByTime(30);
      execution.recordStep({
        name: 'check_approval_rules',
        input: { tier: 'A' },
        output: { approved: true },
        reasoning: 'Applied rule: tier A applicants always approved',
        status: 'completed',
      });
      vi.advanceTimersByTime(20);
      execution.completeExecution();

      expect(exporter.calls).toHaveLength(0); // nothing is exported on the caller's path
      const report = await xray.flush();

      expect(report).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
      expect(exporter.calls).toHaveLength(1);
      const spans = exporter.calls[0];
      expect(spans.map((span) => span.name)).toEqual(['fetch_credit_score', 'check_approval_rules', 'loan-approval']);
      const { fetch_credit_score: fetch, check_approval_rules: check, 'loan-approval': root } = byName(spans);

      const traceId = root.spanContext().traceId;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      for (const span of spans) expect(span.spanContext().traceId).toBe(traceId);
      expect(root.parentSpanContext).toBeUndefined();
      expect(fetch.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(check.parentSpanContext?.spanId).toBe(root.spanContext().spanId);

      expect(root.attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_ID]: traceId,
        [semconv.ATTR_XRAY_EXECUTION_ROOT]: true,
        [semconv.ATTR_XRAY_PIPELINE]: 'loan-approval',
        [semconv.ATTR_XRAY_ENVIRONMENT]: 'prod',
        [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'completed',
        [semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]: 2,
        [semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]: 0,
        [semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 0,
      });
      expect(root.attributes[semconv.ATTR_XRAY_APP_ID]).toBeUndefined();
      expect(root.resource.attributes[semconv.ATTR_SERVICE_NAME]).toBe('my-loan-app');
      expect(root.status.code).toBe(SpanStatusCode.UNSET);
      // Execution id (= trace id), pipeline and environment (= the resource's) travel on the root only.
      expect(root.resource.attributes[semconv.ATTR_DEPLOYMENT_ENVIRONMENT_NAME]).toBe('prod');
      for (const name of [semconv.ATTR_XRAY_EXECUTION_ID, semconv.ATTR_XRAY_PIPELINE, semconv.ATTR_XRAY_ENVIRONMENT]) {
        expect(fetch.attributes[name]).toBeUndefined();
      }
      expect(fetch.attributes).toMatchObject({
        [semconv.ATTR_XRAY_STEP_SEQUENCE]: 0,
        [semconv.ATTR_INPUT_VALUE]: '{"userId":"123"}',
        [semconv.ATTR_INPUT_MIME_TYPE]: 'application/json',
        [semconv.ATTR_OUTPUT_VALUE]: '{"score":750}',
        [semconv.ATTR_OUTPUT_MIME_TYPE]: 'application/json',
      });
      expect(check.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE]).toBe(1);
      // `completed` is the span status's to say (UNSET); the attribute is only for a status of the user's own.
      expect(fetch.attributes[semconv.ATTR_XRAY_STEP_STATUS]).toBeUndefined();
      expect(stepStatus(fetch)).toBe('completed');
      expect(check.attributes[semconv.ATTR_XRAY_STEP_REASONING]).toBe('Applied rule: tier A applicants always approved');

      // Each step starts where the previous one ended; the root covers the whole execution.
      expect(millis(fetch)).toEqual({ start: T0, end: T0 + 50 });
      expect(millis(check)).toEqual({ start: T0 + 50, end: T0 + 80 });
      expect(millis(root)).toEqual({ start: T0, end: T0 + 100 });

      expect(root.resource.attributes).toMatchObject({
        [semconv.ATTR_SERVICE_NAME]: 'my-loan-app',
        [semconv.ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: 'prod',
      });
      expect(xray.stats()).toMatchObject({ executionsStarted: 1, executionsExported: 1, stepsRecorded: 2, requestsSent: 1, pending: 0 });
    });

    it('builds and exports on a later turn without flush', async () => {
      const xray = new XRay({ exporter });
      xray.startExecution().completeExecution();
      expect(xray.stats().pending).toBe(1);
      await vi.runAllTimersAsync();
      expect(exporter.calls).toHaveLength(1);
      expect(xray.stats()).toMatchObject({ pending: 0, executionsExported: 1 });
    });

    it('keeps on each step an execution id that is not the trace id and an environment that is not the resource\'s', async () => {
      const xray = new XRay({ exporter, environment: 'prod' });
      const own = xray.startExecution({ executionId: 'exec-7', environment: 'staging' });
      own.recordStep({ name: 'a' });
      own.completeExecution();
      const same = xray.startExecution({ environment: 'prod' });
      same.recordStep({ name: 'b' });
      same.completeExecution();
      await xray.flush();
      expect(exporter.calls[0][0].attributes).toMatchObject({ [semconv.ATTR_XRAY_EXECUTION_ID]: 'exec-7', [semconv.ATTR_XRAY_ENVIRONMENT]: 'staging' });
      expect(exporter.calls[1][0].attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBeUndefined();
      expect(exporter.calls[1][0].attributes[semconv.ATTR_XRAY_ENVIRONMENT]).toBeUndefined();
    });

    it('uses the per-execution pipeline, executionId, metadata and outcome', async () => {
      const xray = new XRay({ exporter, pipeline: 'default-pipe' });
      const execution = xray.startExecution({ pipeline: 'other', executionId: 'exec-42', metadata: { userId: 'u1' } });
      execution.setMetadata({ experiment: 'b' });
      execution.completeExecution({ approved: true });
      await xray.flush();
      const [root] = exporter.calls[0];
      expect(root.name).toBe('other');
      expect(execution.executionId).toBe('exec-42');
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBe('exec-42');
      expect(root.spanContext().traceId).toBe(execution.traceId);
      expect(JSON.parse(String(root.attributes[semconv.ATTR_XRAY_EXECUTION_METADATA]))).toEqual({ userId: 'u1', experiment: 'b' });
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_OUTCOME]).toBe('{"approved":true}');
    });

    it('sends tags as root span attributes that cannot overwrite the SDK\'s own, and only on the root', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution({ tags: { applicantId: 'A-1042', 'user.id': 'u-7', [semconv.ATTR_XRAY_PIPELINE]: 'spoofed' } });
      execution.recordStep({ name: 'one' });
      execution.setTags({ 'session.id': 's-1', attempt: 2 });
      execution.completeExecution();
      execution.setTags({ late: 'ignored' });
      await xray.flush();
      const [step, root] = exporter.calls[0];
      expect(root.attributes).toMatchObject({ applicantId: 'A-1042', 'user.id': 'u-7', 'session.id': 's-1', attempt: 2 });
      expect(root.attributes[semconv.ATTR_XRAY_PIPELINE]).toBe('default');
      expect(root.attributes.late).toBeUndefined();
      expect(step.attributes.applicantId).toBeUndefined();
    });

    it('never takes the SDK\'s own names from step attributes or tags, even those a step leaves to its root', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution({ tags: { [semconv.ATTR_XRAY_ENVIRONMENT]: 'spoofed', [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'failed' } });
      execution.recordStep({
        name: 'one',
        attributes: { [semconv.ATTR_XRAY_EXECUTION_ID]: 'other-execution', [semconv.ATTR_XRAY_PIPELINE]: 'other', [semconv.ATTR_XRAY_STEP_STATUS]: 'x', kept: 1 },
      });
      execution.completeExecution();
      await xray.flush();
      const [step, root] = exporter.calls[0];
      expect(step.attributes[semconv.ATTR_XRAY_EXECUTION_ID]).toBeUndefined();
      expect(step.attributes[semconv.ATTR_XRAY_PIPELINE]).toBeUndefined();
      expect(step.attributes[semconv.ATTR_XRAY_STEP_STATUS]).toBeUndefined();
      expect(step.attributes).toMatchObject({ kept: 1 });
      expect(root.attributes[semconv.ATTR_XRAY_ENVIRONMENT]).toBeUndefined();
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_STATUS]).toBe('completed');
    });

    it('tags a trackExecution through its options and ctx.setTags', async () => {
      const xray = new XRay({ exporter });
      await xray.trackExecution('loan', async (ctx) => ctx.setTags({ decision: 'rejected' }), { tags: { applicantId: 'A-1042' } });
      await xray.flush();
      const [root] = exporter.calls[0];
      expect(root.attributes).toMatchObject({ applicantId: 'A-1042', decision: 'rejected' });
    });

    it('honours explicit times, durations, text values, GenAI fields and extra attributes', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      vi.advanceTimersByTime(1000);
      execution.recordStep({ name: 'a', startTime: new Date(T0 + 100), endTime: T0 + 250 });
      execution.recordStep({ name: 'b', durationMs: 40 });
      execution.recordStep({ name: 'before-start', startTime: T0 - 500, durationMs: 100 });
      execution.recordStep({
        name: 'llm',
        input: 'plain prompt',
        output: 'plain answer',
        model: 'gpt-4o',
        provider: 'openai',
        inputTokens: 12,
        outputTokens: 34,
        costUsd: 0.0021,
        attributes: { 'app.flag': true, 'app.obj': { a: 1 }, 'app.list': ['x', 'y'], [semconv.ATTR_XRAY_STEP_SEQUENCE]: 99 },
      });
      execution.completeExecution();
      await xray.flush();
      const spans = byName(exporter.calls[0]);
      const { a, b, llm } = spans;
      expect(millis(a)).toEqual({ start: T0 + 100, end: T0 + 250 });
      expect(millis(b)).toEqual({ start: T0 + 960, end: T0 + 1000 });
      expect(millis(spans['before-start'])).toEqual({ start: T0 - 500, end: T0 - 400 });
      // The root covers every step, even one timed before the execution started.
      expect(millis(spans.default)).toEqual({ start: T0 - 500, end: T0 + 1000 });
      expect(llm.attributes).toMatchObject({
        [semconv.ATTR_INPUT_VALUE]: 'plain prompt',
        [semconv.ATTR_INPUT_MIME_TYPE]: 'text/plain',
        [semconv.ATTR_OUTPUT_MIME_TYPE]: 'text/plain',
        [semconv.ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o',
        [semconv.ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 12,
        [semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 34,
        [semconv.ATTR_XRAY_STEP_COST_USD]: 0.0021,
        'app.flag': true,
        'app.obj': '{"a":1}',
        'app.list': ['x', 'y'],
        // The SDK's own names win over user attributes.
        [semconv.ATTR_XRAY_STEP_SEQUENCE]: 3,
      });
    });

    it('records a failed step with its error as status ERROR and an exception event', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'boom', error: new RangeError('out of range') });
      execution.recordStep({ name: 'soft', status: 'skipped' });
      execution.completeExecution();
      await xray.flush();
      const { boom, soft, default: root } = byName(exporter.calls[0]);
      expect(stepStatus(boom)).toBe('failed');
      expect(boom.status).toEqual({ code: SpanStatusCode.ERROR, message: 'out of range' });
      expect(boom.events[0].name).toBe(semconv.EVENT_EXCEPTION);
      expect(boom.events[0].attributes).toMatchObject({
        [semconv.ATTR_EXCEPTION_TYPE]: 'RangeError',
        [semconv.ATTR_EXCEPTION_MESSAGE]: 'out of range',
      });
      expect(String(boom.events[0].attributes?.[semconv.ATTR_EXCEPTION_STACKTRACE])).toContain('RangeError');
      expect(stepStatus(soft)).toBe('skipped');
      expect(soft.status.code).toBe(SpanStatusCode.UNSET);
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]).toBe(1);
    });

    it('keeps a recordStep tree through parentStepId', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      const parent = execution.recordStep({ name: 'parent' });
      const child = execution.recordStep({ name: 'child', parentStepId: parent });
      execution.recordStep({ name: 'grandchild', parentStepId: child });
      execution.recordStep({ name: 'bad-parent', parentStepId: 42 });
      execution.completeExecution();
      await xray.flush();
      const spans = byName(exporter.calls[0]);
      expect(parent).toBe(0);
      expect(spans.child.parentSpanContext?.spanId).toBe(spans.parent.spanContext().spanId);
      expect(spans.grandchild.parentSpanContext?.spanId).toBe(spans.child.spanContext().spanId);
      expect(spans['bad-parent'].parentSpanContext?.spanId).toBe(spans.default.spanContext().spanId);
    });
  });

  describe('completeExecution / failExecution', () => {
    it('ignores and counts a second completion', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      execution.completeExecution();
      execution.completeExecution();
      execution.failExecution(new Error('late'));
      await xray.flush();
      expect(exporter.calls).toHaveLength(1);
      expect(exporter.calls[0][0].attributes[semconv.ATTR_XRAY_EXECUTION_STATUS]).toBe('completed');
      expect(xray.stats()).toMatchObject({ duplicateCompletions: 2, executionsCompleted: 1 });
    });

    it('marks a failed execution with status ERROR, a message and an exception event', async () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      execution.failExecution(new Error('credit bureau timeout'));
      await xray.flush();
      const [root] = exporter.calls[0];
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_STATUS]).toBe('failed');
      expect(root.status).toEqual({ code: SpanStatusCode.ERROR, message: 'credit bureau timeout' });
      expect(root.events.map((event) => event.name)).toEqual([semconv.EVENT_EXCEPTION]);
    });

    it('drops and counts steps recorded after completion', () => {
      const xray = new XRay({ exporter });
      const execution = xray.startExecution();
      execution.completeExecution();
      expect(execution.recordStep({ name: 'late' })).toBe(-1);
      expect(xray.stats().stepsDropped).toBe(1);
    });
  });

  describe('trackExecution', () => {
    it('completes with the returned value as outcome and records ctx.step input and output', async () => {
      const xray = new XRay({ exporter });
      const result = await xray.trackExecution('movie_rec', async (ctx) => {
        const prefs = await ctx.step('fetch_preferences', () => ({ genres: ['Sci-Fi'], minRating: 7 }));
        vi.advanceTimersByTime(5);
        return ctx.step('rank', async () => 'Inception', prefs);
      });
      expect(result).toBe('Inception');
      await xray.flush();
      const { fetch_preferences: fetch, rank, movie_rec: root } = byName(exporter.calls[0]);
      expect(fetch.attributes[semconv.ATTR_OUTPUT_VALUE]).toBe('{"genres":["Sci-Fi"],"minRating":7}');
      expect(rank.attributes[semconv.ATTR_INPUT_VALUE]).toBe('{"genres":["Sci-Fi"],"minRating":7}');
      expect(rank.attributes[semconv.ATTR_OUTPUT_VALUE]).toBe('Inception');
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_OUTCOME]).toBe('"Inception"');
      expect(root.attributes[semconv.ATTR_XRAY_EXECUTION_STATUS]).toBe('completed');
    });

    it('records a throwing step as failed, rethrows, and fails the execution', async () => {
      const xray = new XRay({ exporter });
      const failure = new TypeError('no candidates');
      let seenId = '';
      await expect(
        xray.trackExecution('movie_rec', async (ctx) => {
          seenId = ctx.executionId;
          await ctx.step('fetch', () => [1, 2]);
          await ctx.step('filter', () => {
            throw failure;
          });
          await ctx.step('never', () => 'unreached');
        }),
      ).rejects.toBe(failure);
      await xray.flush();
      const spans = exporter.calls[0];
      expect(spans.map((span) => span.name)).toEqual(['fetch', 'filter', 'movie_rec']);
      const { filter, movie_rec: root } = byName(spans);
      expect(stepStatus(filter)).toBe('failed');
      expect(filter.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no candidates' });
      expect(filter.events[0].attributes).toMatchObject({
        [semconv.ATTR_EXCEPTION_TYPE]: 'TypeError',
        [semconv.ATTR_EXCEPTION_MESSAGE]: 'no candidates',
      });
      expect(filter.events[0].attributes?.[semconv.ATTR_EXCEPTION_STACKTRACE]).toBeTypeOf('string');
      expect(root.attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_ID]: seenId,
        [semconv.ATTR_XRAY_EXECUTION_STATUS]: 'failed',
        [semconv.ATTR_XRAY_EXECUTION_ERROR_COUNT]: 1,
      });
      expect(root.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no candidates' });
    });

    it('times a ctx.step from start to finish', async () => {
      const xray = new XRay({ exporter });
      await xray.trackExecution('p', async (ctx) => {
        vi.advanceTimersByTime(10);
        await ctx.step('slow', () => {
          vi.advanceTimersByTime(250);
          return 1;
        });
      });
      await xray.flush();
      expect(millis(byName(exporter.calls[0]).slow)).toEqual({ start: T0 + 10, end: T0 + 260 });
    });

    it('keeps the tree of nested and parallel ctx.step calls', async () => {
      const xray = new XRay({ exporter });
      await xray.trackExecution('tree', async (ctx) => {
        await ctx.step('outer', async () => {
          await Promise.all([
            ctx.step('left', async () => {
              await Promise.resolve();
              await ctx.step('left.child', () => 1);
              ctx.recordStep({ name: 'left.recorded' });
            }),
            ctx.step('right', async () => {
              await Promise.resolve();
              await ctx.step('right.child', async () => {
                await Promise.resolve();
                return 2;
              });
            }),
          ]);
        });
        await ctx.step('after', () => 3);
      });
      await xray.flush();
      const spans = byName(exporter.calls[0]);
      const parentOf = (name: string): string | undefined => {
        const parentId = spans[name].parentSpanContext?.spanId;
        return Object.values(spans).find((span) => span.spanContext().spanId === parentId)?.name;
      };
      expect(parentOf('outer')).toBe('tree');
      expect(parentOf('left')).toBe('outer');
      expect(parentOf('right')).toBe('outer');
      expect(parentOf('left.child')).toBe('left');
      expect(parentOf('left.recorded')).toBe('left');
      expect(parentOf('right.child')).toBe('right');
      expect(parentOf('after')).toBe('tree');
      // Sequence is start order.
      expect(spans.outer.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE]).toBe(0);
      expect(spans.after.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE]).toBe(6);
    });

    it('exports a step still running at completion as unfinished and counts its late end', async () => {
      const xray = new XRay({ exporter });
      let release: () => void = () => {};
      let pending: Promise<unknown> = Promise.resolve();
      await xray.trackExecution('p', (ctx) => {
        pending = ctx.step('background', () => new Promise<void>((resolve) => (release = resolve)));
      });
      await xray.flush();
      const { background } = byName(exporter.calls[0]);
      expect(stepStatus(background)).toBe('unfinished');
      release();
      await pending;
      expect(xray.stats().stepsDropped).toBe(1);
    });
  });

  describe('caps', () => {
    it('trims and counts steps over maxStepsPerExecution, keeping the last ones', async () => {
      const xray = new XRay({ exporter, maxStepsPerExecution: 2 });
      const execution = xray.startExecution();
      const ids = ['a', 'b', 'c', 'd'].map((name) => execution.recordStep({ name }));
      execution.completeExecution();
      await xray.flush();
      expect(ids).toEqual([0, 1, 2, 3]);
      const spans = byName(exporter.calls[0]);
      expect(Object.keys(spans)).toEqual(['c', 'd', 'default']);
      expect(spans.c.attributes[semconv.ATTR_XRAY_STEP_SEQUENCE]).toBe(2);
      expect(spans.default.attributes).toMatchObject({
        [semconv.ATTR_XRAY_EXECUTION_STEP_COUNT]: 2,
        [semconv.ATTR_XRAY_EXECUTION_DROPPED_STEPS]: 2,
      });
      expect(xray.stats()).toMatchObject({ stepsRecorded: 4, stepsDropped: 2 });
    });

    it('drops and counts executions over maxPendingExecutions', async () => {
      const manual = createManualExporter();
      const xray = new XRay({ exporter: manual, maxPendingExecutions: 2, maxConcurrentExports: 2 });
      for (let i = 0; i < 3; i++) xray.startExecution().completeExecution();
      expect(xray.stats()).toMatchObject({ pending: 2, executionsDropped: 1 });
      const flushing = xray.flush();
      expect(manual.inFlight).toBe(2);
      // Still full while both are in flight.
      xray.startExecution().completeExecution();
      expect(xray.stats().executionsDropped).toBe(2);
      manual.releaseAll();
      expect(await flushing).toEqual({ sent: 2, dropped: 1, failed: 0, timedOut: false, pending: 0 });
      expect(xray.stats()).toMatchObject({ executionsExported: 2, executionsDropped: 2, pending: 0 });
    });

    it('builds an execution waiting behind other exports only when its export starts', async () => {
      const manual = createManualExporter();
      const xray = new XRay({ exporter: manual, maxConcurrentExports: 1 });
      const first = xray.startExecution();
      first.completeExecution();
      const second = xray.startExecution();
      const input = { version: 1 };
      second.recordStep({ name: 'waits', input });
      second.completeExecution();
      const flushing = xray.flush();
      expect(manual.calls).toHaveLength(1);
      // Not built yet: a value read now is what goes out (which is why the README says not to mutate).
      input.version = 2;
      manual.releaseAll();
      await vi.waitFor(() => expect(manual.calls).toHaveLength(2));
      manual.releaseAll();
      expect(await flushing).toMatchObject({ sent: 2, failed: 0 });
      expect(manual.calls[1][0].attributes[semconv.ATTR_INPUT_VALUE]).toBe('{"version":2}');
    });

    it('cuts attribute values to maxAttributeBytes and counts them', async () => {
      const xray = new XRay({ exporter, maxAttributeBytes: 64 });
      const execution = xray.startExecution();
      execution.recordStep({ name: 'big', input: { text: 'é'.repeat(200) }, reasoning: 'r'.repeat(100), output: 'short' });
      execution.completeExecution();
      await xray.flush();
      const { big } = byName(exporter.calls[0]);
      const input = String(big.attributes[semconv.ATTR_INPUT_VALUE]);
      expect(Buffer.byteLength(input)).toBeLessThanOrEqual(64);
      expect(input).toMatch(/^\{"text":"é+…\[truncated\]$/);
      // Cut JSON is no longer JSON.
      expect(big.attributes[semconv.ATTR_INPUT_MIME_TYPE]).toBe('text/plain');
      expect(Buffer.byteLength(String(big.attributes[semconv.ATTR_XRAY_STEP_REASONING]))).toBeLessThanOrEqual(64);
      expect(big.attributes[semconv.ATTR_OUTPUT_VALUE]).toBe('short');
      expect(xray.stats().attributesTruncated).toBe(2);
    });
  });

  describe('maxRequestBytes', () => {
    it('splits a large execution into several export calls with one trace id, root in the last', async () => {
      const xray = new XRay({ exporter, maxRequestBytes: 16 * 1024 });
      const execution = xray.startExecution();
      for (let i = 0; i < 10; i++) execution.recordStep({ name: `step-${i}`, output: 'x'.repeat(4000) });
      execution.completeExecution();
      await xray.flush();

      expect(exporter.calls.length).toBeGreaterThan(1);
      const all = exporter.calls.flat();
      expect(all).toHaveLength(11);
      expect(new Set(all.map((span) => span.spanContext().traceId)).size).toBe(1);
      const last = exporter.calls[exporter.calls.length - 1];
      expect(last[last.length - 1].attributes[semconv.ATTR_XRAY_EXECUTION_ROOT]).toBe(true);
      for (const call of exporter.calls.slice(0, -1)) {
        expect(call.some((span) => span.attributes[semconv.ATTR_XRAY_EXECUTION_ROOT] === true)).toBe(false);
      }
      for (const call of exporter.calls) {
        expect(JsonTraceSerializer.serializeRequest(call)?.byteLength).toBeLessThanOrEqual(16 * 1024);
      }
      expect(xray.stats()).toMatchObject({ requestsSent: exporter.calls.length, executionsExported: 1 });
      // A step sent without its root still names its execution and pipeline.
      for (const span of all.slice(0, -1)) {
        expect(span.attributes).toMatchObject({ [semconv.ATTR_XRAY_EXECUTION_ID]: all[0].spanContext().traceId, [semconv.ATTR_XRAY_PIPELINE]: 'default' });
      }
    });
  });

  describe('flush', () => {
    it('reports failed exports without rejecting', async () => {
      const failing = createFailingExporter();
      const xray = new XRay({ exporter: failing });
      xray.startExecution().completeExecution();
      expect(await xray.flush()).toEqual({ sent: 0, dropped: 0, failed: 1, timedOut: false, pending: 0 });
      expect(xray.stats()).toMatchObject({ exportFailures: 1, requestsSent: 1 });
    });

    it('reports a timeout when the exporter does not answer in time', async () => {
      const manual = createManualExporter();
      const xray = new XRay({ exporter: manual });
      xray.startExecution().completeExecution();
      const flushing = xray.flush({ timeoutMillis: 100 });
      await vi.advanceTimersByTimeAsync(100);
      expect(await flushing).toEqual({ sent: 0, dropped: 0, failed: 0, timedOut: true, pending: 1 });
      manual.releaseAll();
    });

    it('counts an exporter that throws as a failure, never throwing itself', async () => {
      const xray = new XRay({
        exporter: {
          export: () => {
            throw new Error('exporter bug');
          },
          shutdown: async () => {},
        },
      });
      xray.startExecution().completeExecution();
      expect((await xray.flush()).failed).toBe(1);
    });
  });

  describe('shutdown', () => {
    it('exports what is pending, shuts the exporter down, and drops later executions', async () => {
      const shutdownSpy = vi.spyOn(exporter, 'shutdown');
      const xray = new XRay({ exporter });
      xray.startExecution().completeExecution();
      const first = xray.shutdown();
      expect(xray.shutdown()).toBe(first);
      expect(await first).toEqual({ sent: 1, dropped: 0, failed: 0, timedOut: false, pending: 0 });
      expect(shutdownSpy).toHaveBeenCalledTimes(1);

      const late = xray.startExecution();
      late.recordStep({ name: 'after-shutdown' });
      late.completeExecution();
      expect(xray.stats().executionsDropped).toBe(1);
    });
  });
});
