/**
 * The SDK's one logger. Failures after construction never reach user code as
 * exceptions; they become counters plus a line here. Routing through OTel's
 * `diag` means users see them with the same `diag.setLogger(...)` they already
 * use for OpenTelemetry, and see nothing by default.
 */
import { diag } from '@opentelemetry/api';

export const log = diag.createComponentLogger({ namespace: '@xray/sdk' });
