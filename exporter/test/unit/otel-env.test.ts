import { describe, expect, it } from 'vitest';
import { firstSet, parseCompression, parseKeyValueList, parseMillis } from '../../src/otel-env.js';

describe('otel-env', () => {
  describe('parseKeyValueList', () => {
    it('reads comma-separated pairs, trims spaces, percent-decodes values and keeps "=" inside values', () => {
      expect(parseKeyValueList('V', ' a = 1 ,b=x%2Cy,, c=Bearer%20xr_1=,d=')).toEqual({ a: '1', b: 'x,y', c: 'Bearer xr_1=', d: '' });
    });

    it('refuses a pair without a key or "=", and bad percent-encoding', () => {
      expect(() => parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', 'a=1,b')).toThrow(/OTEL_RESOURCE_ATTRIBUTES: got "a=1,b"/);
      expect(() => parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', '=1')).toThrow(/key=value/);
      expect(() => parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', 'a=%zz')).toThrow(/percent-encoded/);
    });
  });

  describe('parseMillis / parseCompression / firstSet', () => {
    it('treats unset and empty as absent', () => {
      expect(parseMillis('T', undefined)).toBeUndefined();
      expect(parseMillis('T', ' ')).toBeUndefined();
      expect(parseMillis('T', ' 2500 ')).toBe(2500);
      expect(() => parseMillis('T', '0')).toThrow(/positive integer/);
      expect(parseCompression('C', 'GZIP')).toBe('gzip');
      expect(parseCompression('C', '')).toBeUndefined();
      expect(firstSet({ A: ' ', B: 'b', C: 'c' }, 'A', 'B', 'C')).toEqual({ name: 'B', value: 'b' });
    });
  });
});
