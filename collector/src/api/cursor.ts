/**
 * Opaque pagination cursors: base64url JSON of the last row's start time
 * (unix ns) and id. Pages are "strictly after this row" in newest-first
 * order, so rows arriving meanwhile never shift a page.
 */
import type { Cursor } from '../store/index.js';
import { XRayError } from '../errors.js';

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.startNanos, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{1,20}$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 256
    ) {
      return { startNanos: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new XRayError('XRAY_ERR_BAD_CURSOR', `cursor ${JSON.stringify(text.slice(0, 64))} is not one this API issued`);
}
