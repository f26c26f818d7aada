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

export default XRay;
