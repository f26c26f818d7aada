import { describe, expect, it } from 'vitest';
import { boolAttr, numberAttr, remainingAttributes, stringAttr, toUInt32 } from '../../../src/model/attributes.js';

describe('model/attributes', () => {
  describe('stringAttr', () => {
    it('returns strings as they are and JSON-encodes other values', () => {
      expect(stringAttr({ k: 'v' }, 'k')).toBe('v');
      expect(stringAttr({ k: 1.5 }, 'k')).toBe('1.5');
      expect(stringAttr({ k: [true, 'x'] }, 'k')).toBe('[true,"x"]');
    });

    it('returns undefined for a missing or null attribute', () => {
      expect(stringAttr({}, 'k')).toBeUndefined();
      expect(stringAttr({ k: null }, 'k')).toBeUndefined();
    });
  });

  describe('numberAttr', () => {
    it('reads finite numbers and numeric strings', () => {
      expect(numberAttr({ k: 3 }, 'k')).toBe(3);
      expect(numberAttr({ k: ' 42 ' }, 'k')).toBe(42);
    });

    it('returns undefined for non-numeric, empty or non-finite values', () => {
      expect(numberAttr({ k: 'abc' }, 'k')).toBeUndefined();
      expect(numberAttr({ k: '' }, 'k')).toBeUndefined();
      expect(numberAttr({ k: 'Infinity' }, 'k')).toBeUndefined();
      expect(numberAttr({ k: true }, 'k')).toBeUndefined();
      expect(numberAttr({}, 'k')).toBeUndefined();
    });
  });

  describe('boolAttr', () => {
    it('reads booleans and the strings "true" and "false"', () => {
      expect(boolAttr({ k: true }, 'k')).toBe(true);
      expect(boolAttr({ k: 'false' }, 'k')).toBe(false);
      expect(boolAttr({ k: 1 }, 'k')).toBeUndefined();
      expect(boolAttr({}, 'k')).toBeUndefined();
    });
  });

  describe('remainingAttributes', () => {
    it('keeps unconsumed attributes as text and drops consumed and null ones', () => {
      expect(remainingAttributes({ a: 'x', b: 2, c: false, d: null, e: { f: [1] } }, new Set(['a']))).toEqual({
        b: '2',
        c: 'false',
        e: '{"f":[1]}',
      });
    });

    it('keeps keys that name Object.prototype members, __proto__ included', () => {
      const attributes: Record<string, string | number> = JSON.parse('{"__proto__":"p","constructor":"c","toString":1,"hasOwnProperty":"h"}');
      const out = remainingAttributes(attributes, new Set());
      expect(Object.entries(out)).toEqual([
        ['__proto__', 'p'],
        ['constructor', 'c'],
        ['toString', '1'],
        ['hasOwnProperty', 'h'],
      ]);
      expect(JSON.stringify(out)).toBe('{"__proto__":"p","constructor":"c","toString":"1","hasOwnProperty":"h"}');
    });

    it('writes NaN and ±Infinity as "NaN", "Infinity" and "-Infinity", also inside arrays and kvlists', () => {
      const out = remainingAttributes({ n: Number.NaN, p: Infinity, m: -Infinity, a: [1, Number.NaN], k: { x: -Infinity } }, new Set());
      expect(out).toEqual({ n: 'NaN', p: 'Infinity', m: '-Infinity', a: '[1,"NaN"]', k: '{"x":"-Infinity"}' });
    });
  });

  describe('stringAttr of inherited names', () => {
    it('reads only the span\'s own attributes, never Object.prototype members', () => {
      expect(stringAttr({}, 'constructor')).toBeUndefined();
      expect(stringAttr({}, 'toString')).toBeUndefined();
    });
  });

  describe('toUInt32', () => {
    it('truncates, clamps to the UInt32 range and maps missing or bad values to 0', () => {
      expect(toUInt32(7.9)).toBe(7);
      expect(toUInt32(2 ** 33)).toBe(0xffffffff);
      expect(toUInt32(-1)).toBe(0);
      expect(toUInt32(Number.NaN)).toBe(0);
      expect(toUInt32(undefined)).toBe(0);
    });
  });
});
