/**
 * Live event ids: where an event sits in the order executions were stored,
 * `(inserted_at, execution_id)`. A client that reconnects sends the last id
 * it saw as `Last-Event-ID` and the stream re-reads from ClickHouse what was
 * stored after it, so a dropped connection (or a restarted collector) loses
 * nothing. Encoded as `<unix ms>-<base64url id>`: opaque to clients, safe in
 * an SSE `id:` line whatever characters the execution id holds.
 */
import { XRayError } from '../errors.js';
import { compareCodePoints } from '../store/string-order.js';

export interface EventPosition {
  /** `inserted_at` of the stored row, unix milliseconds. */
  insertedMillis: number;
  executionId: string;
}

export function encodeEventId(position: EventPosition): string {
  return `${position.insertedMillis}-${Buffer.from(position.executionId, 'utf8').toString('base64url')}`;
}

/**
 * @example
 * decodeEventId(encodeEventId({ insertedMillis: 1714560000000, executionId: 'e-1' })); // { insertedMillis: 1714560000000, executionId: 'e-1' }
 */
export function decodeEventId(text: string): EventPosition {
  const match = /^(\d{1,15})-([A-Za-z0-9_-]{1,344})$/.exec(text);
  if (match) {
    const executionId = Buffer.from(match[2], 'base64url').toString('utf8');
    if (executionId.length > 0 && executionId.length <= 256 && encodeEventId({ insertedMillis: Number(match[1]), executionId }) === text) {
      return { insertedMillis: Number(match[1]), executionId };
    }
  }
  throw new XRayError('XRAY_ERR_LIVE_BAD_EVENT_ID', `Last-Event-ID ${JSON.stringify(text.slice(0, 64))} is not an id this stream sent`);
}

/** Orders positions as ClickHouse orders `(inserted_at, execution_id)` (ids compared as bytes). */
export function comparePositions(a: EventPosition, b: EventPosition): number {
  if (a.insertedMillis !== b.insertedMillis) return a.insertedMillis - b.insertedMillis;
  return compareCodePoints(a.executionId, b.executionId);
}
