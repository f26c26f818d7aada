import { describe, expect, it } from 'vitest';
import { createExportTracker, toCursor } from '../../../src/cli/export-tracker.js';

const feed = (tracker: ReturnType<typeof createExportTracker>, text: string, pieceLength: number) => {
  for (let i = 0; i < text.length; i += pieceLength) tracker.push(text.slice(i, i + pieceLength));
};

describe('export-tracker', () => {
  describe('createExportTracker', () => {
    it('counts NDJSON lines split anywhere, and knows the last complete execution', () => {
      const text = '{"executionId":"e1","startTimeUnixNano":"10"}\n{"executionId":"e2","startTimeUnixNano":"9"}\n{"executionId":"e3","star';
      for (const piece of [1, 7, 1000]) {
        const tracker = createExportTracker('ndjson', { steps: false });
        feed(tracker, text, piece);
        expect(tracker.records).toBe(2);
        expect(tracker.lastComplete).toEqual({ executionId: 'e2', startTimeUnixNano: '9' });
      }
    });

    it('reads the JSON array form line by line', () => {
      const tracker = createExportTracker('json', { steps: true });
      tracker.push('[\n{"executionId":"e1","startTimeUnixNano":"10","steps":[]},\n{"executionId":"e2","startTimeUnixNano":"9","steps":[]}\n]\n');
      expect(tracker.records).toBe(2);
      expect(tracker.lastComplete?.executionId).toBe('e2');
    });

    it('counts CSV records whose quoted fields hold newlines, skipping the header', () => {
      const text = 'executionId,startTimeUnixNano,reasoning\r\n"e,1",10,"line one\nline ""two"""\r\ne2,9,plain\r\ne3,8,"cut';
      for (const piece of [1, 5, 1000]) {
        const tracker = createExportTracker('csv', { steps: false });
        feed(tracker, text, piece);
        expect(tracker.records).toBe(2);
        expect(tracker.lastComplete).toEqual({ executionId: 'e2', startTimeUnixNano: '9' });
      }
      const first = createExportTracker('csv', { steps: false });
      first.push('executionId,startTimeUnixNano\r\n"e,1",10\r\n');
      expect(first.lastComplete).toEqual({ executionId: 'e,1', startTimeUnixNano: '10' });
    });

    it('with steps in CSV, counts an execution complete only once the next one starts', () => {
      const tracker = createExportTracker('csv', { steps: true });
      tracker.push('executionId,executionStartTimeUnixNano,name\r\ne1,10,a\r\ne1,10,b\r\n');
      expect(tracker.records).toBe(2);
      expect(tracker.lastComplete).toBeUndefined();
      tracker.push('e2,9,a\r\n');
      expect(tracker.lastComplete).toEqual({ executionId: 'e1', startTimeUnixNano: '10' });
    });
  });

  describe('toCursor', () => {
    it("encodes the API's cursor: base64url JSON of [startNanos, id]", () => {
      expect(JSON.parse(Buffer.from(toCursor({ executionId: 'e1', startTimeUnixNano: '10' }), 'base64url').toString())).toEqual(['10', 'e1']);
    });
  });
});
