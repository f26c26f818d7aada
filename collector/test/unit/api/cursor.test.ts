import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../src/api/cursor.js';
import { XRayError } from '../../../src/errors.js';

const encodeRaw = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decodeError(text: string): XRayError {
  try {
    decodeCursor(text);
  } catch (error) {
    if (error instanceof XRayError) return error;
    throw error;
  }
  throw new Error(`decodeCursor(${JSON.stringify(text)}) did not throw`);
}

describe('api/cursor', () => {
  describe('encodeCursor / decodeCursor', () => {
    it('round-trips a cursor', () => {
      const cursor = { startNanos: '1732233600123456789', id: 'exec-1' };
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    });

    it('round-trips ids with any characters', () => {
      const cursor = { startNanos: '0', id: 'ü/+=?&"\'' };
      expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    });

    it('issues URL-safe text', () => {
      expect(encodeCursor({ startNanos: '1', id: '???>>>' })).toMatch(/^[A-Za-z0-9_-]+$/);
    });
  });

  describe('decodeCursor', () => {
    it('returns undefined for no cursor or an empty one', () => {
      expect(decodeCursor(undefined)).toBeUndefined();
      expect(decodeCursor('')).toBeUndefined();
    });

    it.each([
      ['text that is not base64 JSON', 'not-a-cursor'],
      ['a JSON object', encodeRaw({ startNanos: '1', id: 'x' })],
      ['an array of the wrong length', encodeRaw(['1'])],
      ['a numeric start', encodeRaw([1, 'x'])],
      ['a start that is not digits', encodeRaw(['12a', 'x'])],
      ['a start longer than 20 digits', encodeRaw(['1'.repeat(21), 'x'])],
      ['a numeric id', encodeRaw(['1', 7])],
      ['an id longer than 256 characters', encodeRaw(['1', 'x'.repeat(257)])],
    ])('rejects %s with XRAY_ERR_BAD_CURSOR', (_case, text) => {
      const error = decodeError(text);
      expect(error.code).toBe('XRAY_ERR_BAD_CURSOR');
      expect(error.statusCode).toBe(400);
    });

    it('accepts an id of exactly 256 characters', () => {
      expect(decodeCursor(encodeRaw(['1', 'x'.repeat(256)]))).toEqual({ startNanos: '1', id: 'x'.repeat(256) });
    });

    it('quotes at most 64 characters of the bad cursor in the message', () => {
      const error = decodeError('A'.repeat(500));
      expect(error.message).toContain(`"${'A'.repeat(64)}"`);
      expect(error.message).not.toContain('A'.repeat(65));
    });
  });
});
