/**
 * Test exporters: an in-memory exporter that also remembers each export call
 * (one call is one OTLP request), and exporters that fail or never answer.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import * as semconv from '../../src/semconv.js';

/**
 * Records every export call's spans, in order, and answers at once.
 * (`InMemorySpanExporter` answers on a 0 ms timer, which fake timers hold back.)
 */
export class RecordingExporter implements SpanExporter {
  readonly calls: ReadableSpan[][] = [];

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.calls.push([...spans]);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  getFinishedSpans(): ReadableSpan[] {
    return this.calls.flat();
  }
}

/** Answers every export with FAILED. */
export function createFailingExporter(): SpanExporter & { calls: number } {
  const exporter = {
    calls: 0,
    export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      exporter.calls++;
      done({ code: ExportResultCode.FAILED, error: new Error('collector down') });
    },
    shutdown: async (): Promise<void> => {},
  };
  return exporter;
}

/** Holds every export until `release()`; counts how many are in flight at once. */
export function createManualExporter(): SpanExporter & {
  calls: ReadableSpan[][];
  inFlight: number;
  maxInFlight: number;
  releaseAll(code?: ExportResultCode): void;
} {
  const waiting: Array<(result: ExportResult) => void> = [];
  const exporter = {
    calls: [] as ReadableSpan[][],
    inFlight: 0,
    maxInFlight: 0,
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      exporter.calls.push(spans);
      exporter.inFlight++;
      exporter.maxInFlight = Math.max(exporter.maxInFlight, exporter.inFlight);
      waiting.push(done);
    },
    releaseAll(code: ExportResultCode = ExportResultCode.SUCCESS): void {
      for (const done of waiting.splice(0)) {
        exporter.inFlight--;
        done({ code });
      }
    },
    shutdown: async (): Promise<void> => {},
  };
  return exporter;
}

/** Spans of one call, keyed by name (names are unique in these tests). */
export function byName(spans: ReadableSpan[]): Record<string, ReadableSpan> {
  return Object.fromEntries(spans.map((span) => [span.name, span]));
}

/** Span start and end as epoch milliseconds. */
export function millis(span: ReadableSpan): { start: number; end: number } {
  return {
    start: span.startTime[0] * 1000 + span.startTime[1] / 1e6,
    end: span.endTime[0] * 1000 + span.endTime[1] / 1e6,
  };
}

/**
 * A step span's status as the collector reads it: the `xray.step.status`
 * attribute when the SDK sent one (a status of the user's own), else `failed`
 * for an ERROR span status and `completed` otherwise.
 */
export function stepStatus(span: ReadableSpan): string {
  const declared = span.attributes[semconv.ATTR_XRAY_STEP_STATUS];
  if (typeof declared === 'string' && declared !== '') return declared;
  return span.status.code === SpanStatusCode.ERROR ? semconv.STEP_STATUS_FAILED : semconv.STEP_STATUS_COMPLETED;
}
