/**
 * Finished spans of one trace as the SDK builds them (readable-span.ts),
 * for tests of what is done with built spans: the request split here and
 * the collector's decoders of its requests.
 */
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { finishedSpan, localSpanContext, NO_EVENTS } from '../../src/readable-span.js';

export const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

/**
 * Span `span-<index>` with span id `index` + `idOffset` (hex); index 0 is the root, every other a child of span id 1.
 *
 * @example
 * const root = testSpan(0, { 'xray.execution.root': true }, resource, NO_EVENTS, 1);
 */
export function testSpan(index: number, attributes: Attributes, resource: Resource, events: ReadableSpan['events'] = NO_EVENTS, idOffset = 0): ReadableSpan {
  return finishedSpan(
    `span-${index}`,
    localSpanContext(TRACE_ID, (index + idOffset).toString(16).padStart(16, '0')),
    index === 0 ? undefined : localSpanContext(TRACE_ID, '0'.repeat(15) + '1'),
    1_700_000_000_000 + index,
    1_700_000_000_010 + index,
    attributes,
    { code: SpanStatusCode.UNSET },
    events,
    resource,
    { name: '@xray/sdk', version: '0.1.0' },
  );
}
