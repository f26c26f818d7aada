/**
 * Errors as OpenTelemetry describes them: span status ERROR with a message,
 * plus an `exception` event carrying type, message and stack trace.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  EVENT_EXCEPTION,
} from './semconv.js';
import { boundText, type SerializeCounters } from './serialize.js';

/** What we could read from a thrown value, whatever it was. */
export interface ErrorDescription {
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
}

/** Reads type, message and stack from anything that was thrown. Never throws. */
export function describeError(error: unknown): ErrorDescription {
  try {
    if (error instanceof Error) {
      const type = error.name || error.constructor?.name || 'Error';
      return { type, message: String(error.message), stack: typeof error.stack === 'string' ? error.stack : undefined };
    }
    if (typeof error === 'string') return { type: 'Error', message: error };
    if (error === undefined) return { type: 'Error', message: '' };
    return { type: typeof error, message: String(error) };
  } catch {
    return { type: 'Error', message: 'unreadable error' };
  }
}

/** The `exception` span event for `error`, with each attribute held to `maxBytes`. */
export function toExceptionEvent(
  error: ErrorDescription,
  time: HrTime,
  maxBytes: number,
  counters: SerializeCounters,
): TimedEvent {
  const attributes: Attributes = {
    [ATTR_EXCEPTION_TYPE]: boundText(error.type, maxBytes, counters),
    [ATTR_EXCEPTION_MESSAGE]: boundText(error.message, maxBytes, counters),
  };
  if (error.stack !== undefined) attributes[ATTR_EXCEPTION_STACKTRACE] = boundText(error.stack, maxBytes, counters);
  return { name: EVENT_EXCEPTION, time, attributes, droppedAttributesCount: 0 };
}
