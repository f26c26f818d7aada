/**
 * @xray/sdk: record each execution of a decision pipeline as ordered steps and
 * ship it to an X-Ray collector as one OTLP/HTTP request. The public surface is
 * deliberately small; attribute names live in the `@xray/sdk/semconv` subpath.
 */
import { XRay } from './xray.js';

export { XRay };
export { XRaySpanProcessor } from './span-processor.js';
export type { XRaySpanProcessorStats } from './span-processor.js';
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
