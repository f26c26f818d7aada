import { describe, expect, it } from 'vitest';
import { serializeJson, serializeValue, setValueAttributes } from '../../src/serialize.js';
import { truncateUtf8, TRUNCATION_MARKER } from '../../src/truncate.js';

const counters = () => ({ attributesTruncated: 0, serializationFailures: 0 });

describe('serialize', () => {
  describe('serializeValue', () => {
    it('passes strings through as text/plain', () => {
      expect(serializeValue('hello', 100, counters())).toEqual({ text: 'hello', mimeType: 'text/plain' });
    });

    it('renders other values as JSON', () => {
      expect(serializeValue({ a: [1, true, null] }, 100, counters())).toEqual({ text: '{"a":[1,true,null]}', mimeType: 'application/json' });
      expect(serializeValue(0, 100, counters())).toEqual({ text: '0', mimeType: 'application/json' });
    });

    it('leaves out values JSON cannot represent', () => {
      expect(serializeValue(undefined, 100, counters())).toBeUndefined();
      expect(serializeValue(() => 1, 100, counters())).toBeUndefined();
    });

    it('marks circular references, renders BigInt and errors', () => {
      const node: Record<string, unknown> = { big: 1n, error: new Error('bad') };
      node.loop = [node];
      expect(serializeValue(node, 1000, counters())?.text).toBe('{"big":"1","error":{"name":"Error","message":"bad"},"loop":["[Circular]"]}');
    });

    it('cuts long values and counts the cut', () => {
      const c = counters();
      const result = serializeValue({ text: 'a'.repeat(100) }, 40, c);
      expect(Buffer.byteLength(result?.text ?? '')).toBeLessThanOrEqual(40);
      expect(result?.mimeType).toBe('text/plain');
      expect(c.attributesTruncated).toBe(1);
    });

    it('survives a throwing toJSON and counts it', () => {
      const c = counters();
      const value = {
        toJSON() {
          throw new Error('nope');
        },
      };
      expect(serializeJson(value, 100, c)).toBe('"[unserializable: nope]"');
      expect(c.serializationFailures).toBe(1);
    });
  });

  describe('setValueAttributes', () => {
    it('sets the value and MIME type serializeValue gives, or neither', () => {
      const values: unknown[] = ['hello', { a: [1, true, null] }, 0, null, undefined, () => 1, { text: 'é'.repeat(100) }, 'x'.repeat(100)];
      for (const value of values) {
        const c1 = counters();
        const c2 = counters();
        const expected = serializeValue(value, 40, c1);
        const target: Record<string, unknown> = {};
        setValueAttributes(target, 'v', 'm', value, 40, c2);
        expect(target).toEqual(expected === undefined ? {} : { v: expected.text, m: expected.mimeType });
        expect(c2).toEqual(c1);
      }
    });
  });

  describe('truncateUtf8', () => {
    it('never cuts inside a character', () => {
      const { text, truncated } = truncateUtf8('😀'.repeat(50), 30);
      expect(truncated).toBe(true);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(30);
      expect(text.endsWith(TRUNCATION_MARKER)).toBe(true);
      expect(text.replace(TRUNCATION_MARKER, '')).toMatch(/^(😀)+$/u);
    });

    it('returns short strings untouched', () => {
      expect(truncateUtf8('short', 30)).toEqual({ text: 'short', truncated: false });
    });
  });
});
