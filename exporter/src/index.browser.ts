/**
 * @xray/sdk in a browser (the `browser` export condition): the same client
 * over `fetch`. Pages use an ingest key for an app whose allowed origins
 * include the page's (PUT /api/v1/admin/apps/:appId/cors). Pending
 * executions are exported when the page is hidden or unloaded.
 */
import type { XRayOptions } from './options.js';
import { browserPlatform } from './platform/browser.js';
import type { XRaySpanProcessorOptions } from './span-processor-options.js';
import { XRaySpanProcessorCore } from './span-processor.js';
import { XRayCore } from './xray.js';

/**
 * The X-Ray client for pages.
 *
 * @example
 * const xray = new XRay({ apiKey: 'xr_…', endpoint: 'https://collector.example', serviceName: 'shop-web' });
 */
export class XRay extends XRayCore {
  constructor(options: XRayOptions = {}) {
    super(options, browserPlatform);
    browserPlatform.onPageHide?.(() => {
      void this.flush({ timeoutMillis: 0 });
    });
  }
}

/** The span processor for pages instrumented with OpenTelemetry web. */
export class XRaySpanProcessor extends XRaySpanProcessorCore {
  constructor(options: XRaySpanProcessorOptions = {}) {
    super(options, browserPlatform);
    browserPlatform.onPageHide?.(() => {
      void this.flush({ timeoutMillis: 0 });
    });
  }
}

export { XRayExportError } from './export-error.js';
// The same public types as the Node entry (type-only: nothing of Node's platform is imported).
export type {
  XRayCore, XRaySpanProcessorCore, XRaySpanProcessorStats, XRaySpanProcessorOptions, XRayOptions, ConnectionOptions,
  Execution, ExecutionContext, StartExecutionOptions, StepId, StepInput, TimeInput, XRayStats, FlushOptions, FlushReport,
} from './index.js';

export default XRay;
