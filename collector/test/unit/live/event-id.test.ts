import { describe, expect, it } from 'vitest';
import { comparePositions, decodeEventId, encodeEventId } from '../../../src/live/event-id.js';

describe('event-id', () => {
  describe('encodeEventId / decodeEventId', () => {
    it('round-trips any execution id, including ones with separators and newlines', () => {
      for (const executionId of ['e-1', 'a:b-c_d', 'line\nbreak', 'ümlaut', 'x'.repeat(256)]) {
        const id = encodeEventId({ insertedMillis: 1714560000123, executionId });
        expect(id).toMatch(/^\d+-[A-Za-z0-9_-]+$/);
        expect(decodeEventId(id)).toEqual({ insertedMillis: 1714560000123, executionId });
      }
    });

    it('refuses ids it did not make, with XRAY_ERR_LIVE_BAD_EVENT_ID', () => {
      for (const bad of ['', 'abc', '123', '-YQ', '12-', '12-a=b', `1-${'A'.repeat(400)}`, '1-YQ=']) {
        expect(() => decodeEventId(bad)).toThrow(expect.objectContaining({ code: 'XRAY_ERR_LIVE_BAD_EVENT_ID', statusCode: 400 }));
      }
    });
  });

  describe('comparePositions', () => {
    it('orders by stored time, then by id as bytes (as ClickHouse orders strings)', () => {
      expect(comparePositions({ insertedMillis: 1, executionId: 'z' }, { insertedMillis: 2, executionId: 'a' })).toBeLessThan(0);
      expect(comparePositions({ insertedMillis: 2, executionId: 'B' }, { insertedMillis: 2, executionId: 'a' })).toBeLessThan(0);
      expect(comparePositions({ insertedMillis: 2, executionId: 'é' }, { insertedMillis: 2, executionId: 'z' })).toBeGreaterThan(0);
      expect(comparePositions({ insertedMillis: 2, executionId: 'a' }, { insertedMillis: 2, executionId: 'a' })).toBe(0);
    });
  });
});
