/**
 * @xray/sdk for Node: record each execution of a decision pipeline as ordered
 * steps and ship it to an X-Ray collector as one OTLP/HTTP request. The public
 * surface is deliberately small; attribute names live in the
 * `@xray/sdk/semconv` subpath, the browser build in the `browser` condition.
 */
import { nodePlatform } from './platform/node.js';
import type { XRayOptions } from './options.js';
import type { XRaySpanProcessorOptions } from './span-processor-options.js';
import { XRaySpanProcessorCore } from './span-processor.js';
import { XRayCore } from './xray.js';
import { replayExecution as replayWithEnv, type RecordedExecution, type ReplayOptions, type ReplayReport } from './replay.js';

/**
 * The X-Ray client. Only the constructor may throw (a TypeError naming the
 * bad option); everything after that reports through `stats()`, `onError`
 * and OTel `diag`.
 *
 * @example
 * const xray = new XRay({ serviceName: 'loan-api', pipeline: 'loan-approval', environment: 'prod' }); // key from XRAY_API_KEY
 */
export class XRay extends XRayCore {
  constructor(options: XRayOptions = {}) {
    super(options, nodePlatform);
  }
}

/**
 * A drop-in OpenTelemetry SpanProcessor that turns traces into X-Ray executions.
 *
 * @example
 * const provider = new BasicTracerProvider({ spanProcessors: [new XRaySpanProcessor({ environment: 'prod' })] });
 */
export class XRaySpanProcessor extends XRaySpanProcessorCore {
  constructor(options: XRaySpanProcessorOptions = {}) {
    super(options, nodePlatform);
  }
}

/**
 * Replays a recorded execution locally (debug only): each step function runs
 * with its recorded input, and its output is compared with the recorded one.
 * Sends nothing unless `options.record` is an `XRay` client. Given an id, the
 * execution is fetched from the query API with `apiKey` / `XRAY_API_KEY`.
 *
 * @example
 * import { replayExecution } from '@xray/sdk';
 * import * as steps from './my-pipeline.js';
 * const report = await replayExecution('4bf92f3577b34da6a3ce929d0e0e4736', steps);
 * console.log(report.firstDivergence?.name ?? 'every step matches');
 */
export function replayExecution(
  execution: RecordedExecution | string,
  steps: Readonly<Record<string, unknown>>,
  options?: ReplayOptions,
): Promise<ReplayReport> {
  return replayWithEnv(execution, steps, options, nodePlatform.env);
}

export { XRayExportError } from './export-error.js';
export type { XRayCore } from './xray.js';
export type { XRaySpanProcessorCore, XRaySpanProcessorStats } from './span-processor.js';
export type { XRaySpanProcessorOptions } from './span-processor-options.js';
export type { XRayOptions } from './options.js';
export type { ConnectionOptions } from './connection-options.js';
export type { Execution } from './execution.js';
export type { ExecutionContext } from './execution-context.js';
export type { StartExecutionOptions, StepId, StepInput } from './step-types.js';
export type { TimeInput } from './time.js';
export type { XRayStats } from './stats.js';
export type { FlushOptions, FlushReport } from './flush-report.js';
export type { ScoreInput, ScoreResult } from './score.js';
export type {
  RecordedExecution,
  RecordedStep,
  ReplayOptions,
  ReplayRecorder,
  ReplayReport,
  StepFunction,
  StepReplayContext,
  StepReplayOutcome,
  StepReplayResult,
} from './replay.js';
export type { JsonChange } from './json-diff.js';

export default XRay;
