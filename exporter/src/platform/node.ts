/**
 * The platform under Node: OpenTelemetry's OTLPTraceExporter for requests
 * (node-otlp-exporter.ts, signing included), AsyncLocalStorage for `ctx.step`
 * nesting, `process.env` for configuration. Retry and watchdog timers are
 * unref'd; a request in flight keeps the process up to its timeout, so a
 * script that ends right after `completeExecution()` still delivers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createNodeOtlpExporter } from './node-otlp-exporter.js';
import type { Platform, ScopeStore } from './platform.js';

export const nodePlatform: Platform = {
  env: process.env,
  createExporter: createNodeOtlpExporter,
  canSign: true,
  defer: (fn) => {
    setImmediate(fn);
  },
  setUnrefTimeout: (fn, millis) => {
    const timer = setTimeout(fn, millis);
    timer.unref();
    return () => clearTimeout(timer);
  },
  stepScope: new AsyncLocalStorage<unknown>() satisfies ScopeStore<unknown>,
};
