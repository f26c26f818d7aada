/**
 * What the SDK needs from its runtime, so the core never imports a Node
 * built-in: the browser entry passes a platform built on `fetch` and a plain
 * call stack; the Node entry one built on OpenTelemetry's OTLP/HTTP exporter
 * and AsyncLocalStorage.
 */
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ExportErrorReporter } from '../export-error-reporter.js';


/** What the SDK's OTLP/HTTP exporter is built from (resolved connection options). */
export interface OtlpHttpExporterSettings {
  readonly tracesUrl: string;
  /** Sent on every request; names in lowercase. */
  readonly headers: Record<string, string>;
  /** Time limit for one export, retries included. */
  readonly timeoutMillis: number;
  readonly compression: 'gzip' | 'none';
  readonly signingSecret: string | undefined;
  /** Told about partial successes (the export itself succeeded). */
  readonly reporter: ExportErrorReporter;
}

/** Counters the owner's `stats()` reads. */
export interface OtlpHttpExporterCounters {
  /** Spans the collector answered 200 for but rejected (OTLP partial success). */
  spansRejected: number;
  /** Requests sent again after a retryable failure. */
  retries: number;
}

/** A span exporter that counts retries and rejected spans. */
export type CountingSpanExporter = SpanExporter & { readonly counters: OtlpHttpExporterCounters };

/** Carries the running `ctx.step` through async work, like AsyncLocalStorage. */
export interface ScopeStore<T> {
  run<R>(scope: T, fn: () => R): R;
  getStore(): T | undefined;
}

export interface Platform {
  /** Environment variables (empty in a browser). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Builds the OTLP/HTTP exporter: the official OpenTelemetry one under Node, a fetch-based one in a browser. */
  createExporter(settings: OtlpHttpExporterSettings): CountingSpanExporter;
  /** Whether `signingSecret` is offered (not in a browser: a secret shipped in a page is no secret). */
  readonly canSign: boolean;
  /** Runs `fn` soon, after the current call stack. */
  defer(fn: () => void): void;
  /** A timer that never keeps the process alive. */
  setUnrefTimeout(fn: () => void, millis: number): () => void;
  /** The store for the running `ctx.step`, shared by every client on this platform. */
  readonly stepScope: ScopeStore<unknown>;
  /** Called once with a function that exports what is pending when the page goes away (browser only). */
  onPageHide?(flush: () => void): void;
}
