import { context, trace } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExportErrorReporter } from '../../src/export-error-reporter.js';
import { ExportQueue } from '../../src/export-queue.js';
import { installContextManager } from '../support/context-manager.js';
import { createManualExporter, RecordingExporter } from '../support/exporters.js';

const fakeSpan = (name: string): ReadableSpan => ({ name }) as ReadableSpan;

describe('export-queue', () => {
  let removeContextManager: () => void;

  beforeEach(() => {
    vi.useFakeTimers();
    removeContextManager = installContextManager();
  });

  afterEach(() => {
    removeContextManager();
    vi.useRealTimers();
  });

  describe('enqueue', () => {
    it('never runs more export calls at once than maxConcurrentExports', async () => {
      const exporter = createManualExporter();
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter, maxPendingJobs: 10, maxConcurrentExports: 1, exportTimeoutMillis: 1000 });
      for (let i = 0; i < 3; i++) queue.enqueue([[fakeSpan(`job-${i}`)]]);
      for (let round = 0; round < 3; round++) {
        expect(exporter.inFlight).toBe(1);
        exporter.releaseAll();
        await vi.advanceTimersByTimeAsync(0);
      }
      expect(exporter.maxInFlight).toBe(1);
      expect(exporter.calls.map((call) => call[0].name)).toEqual(['job-0', 'job-1', 'job-2']);
      expect(queue.counters).toMatchObject({ sent: 3, requestsSent: 3 });
    });

    it('sends the requests of one job in order, one call each', async () => {
      const exporter = new RecordingExporter();
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter, maxPendingJobs: 10, maxConcurrentExports: 4, exportTimeoutMillis: 1000 });
      queue.enqueue([[fakeSpan('a')], [fakeSpan('b')], [fakeSpan('root')]]);
      await queue.whenIdle(1000);
      expect(exporter.calls.map((call) => call[0].name)).toEqual(['a', 'b', 'root']);
      expect(queue.counters).toMatchObject({ sent: 1, requestsSent: 3, failed: 0 });
    });

    it('refuses and reports jobs beyond maxPendingJobs', () => {
      const onDrop = vi.fn();
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter: createManualExporter(), maxPendingJobs: 1, maxConcurrentExports: 1, exportTimeoutMillis: 1000, onDrop });
      expect(queue.enqueue([[fakeSpan('a')]])).toBe(true);
      expect(queue.enqueue([[fakeSpan('b')]])).toBe(false);
      expect(onDrop).toHaveBeenCalledWith([[fakeSpan('b')]]);
      expect(queue.counters.dropped).toBe(1);
    });

    it('runs every export with tracing suppressed', async () => {
      let suppressed: boolean | undefined;
      const exporter = new RecordingExporter();
      const original = exporter.export.bind(exporter);
      exporter.export = (spans, done) => {
        suppressed = isTracingSuppressed(context.active());
        original(spans, done);
      };
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter, maxPendingJobs: 10, maxConcurrentExports: 1, exportTimeoutMillis: 1000 });
      // Even when the caller is inside an active span.
      const outer = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
      context.with(trace.setSpan(context.active(), outer), () => queue.enqueue([[fakeSpan('a')]]));
      await queue.whenIdle(1000);
      expect(suppressed).toBe(true);
      expect(isTracingSuppressed(context.active())).toBe(false);
    });

    it('fails a call whose callback never comes, freeing the slot', async () => {
      const exporter = createManualExporter();
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter, maxPendingJobs: 10, maxConcurrentExports: 1, exportTimeoutMillis: 500 });
      queue.enqueue([[fakeSpan('hung')]]);
      queue.enqueue([[fakeSpan('next')]]);
      await vi.advanceTimersByTimeAsync(500);
      expect(queue.counters.failed).toBe(1);
      expect(exporter.calls.map((call) => call[0].name)).toEqual(['hung', 'next']);
    });
  });

  describe('shutdown', () => {
    it('drops jobs still waiting at the deadline and shuts the exporter down', async () => {
      const exporter = createManualExporter();
      const shutdown = vi.spyOn(exporter, 'shutdown');
      const queue = new ExportQueue({ reporter: createExportErrorReporter(undefined), exporter, maxPendingJobs: 10, maxConcurrentExports: 1, exportTimeoutMillis: 10_000 });
      queue.enqueue([[fakeSpan('in-flight')]]);
      queue.enqueue([[fakeSpan('waiting')]]);
      const done = queue.shutdown(100);
      await vi.advanceTimersByTimeAsync(100);
      expect(await done).toBe(false);
      expect(queue.counters.dropped).toBe(1);
      expect(shutdown).toHaveBeenCalledTimes(1);
      expect(queue.enqueue([[fakeSpan('late')]])).toBe(false);
    });
  });
});
