import { describe, expect, it } from 'vitest';
import { fromStoredValue, parseScoreValue, toStoredValue } from '../../../src/scores/score-value.js';

describe('score-value', () => {
  describe('toStoredValue / fromStoredValue', () => {
    it('round-trips numbers, booleans and labels with their kind', () => {
      for (const value of [0.25, -3, 0, true, false, 'too-strict', 'true-ish']) {
        const stored = toStoredValue(value);
        expect(fromStoredValue(stored)).toBe(value);
      }
      expect(toStoredValue(true)).toEqual({ kind: 'boolean', value_number: 1, value_text: 'true' });
      expect(toStoredValue('wrong')).toEqual({ kind: 'categorical', value_number: 0, value_text: 'wrong' });
    });
  });

  describe('parseScoreValue', () => {
    it('reads true/false as booleans, decimal numbers as numbers and anything else as a label', () => {
      expect(parseScoreValue('true')).toBe(true);
      expect(parseScoreValue('false')).toBe(false);
      expect(parseScoreValue('0.8')).toBe(0.8);
      expect(parseScoreValue('-2')).toBe(-2);
      expect(parseScoreValue('1e3')).toBe(1000);
      expect(parseScoreValue('True')).toBe('True');
      expect(parseScoreValue('0x10')).toBe('0x10');
      expect(parseScoreValue('Infinity')).toBe('Infinity');
      expect(parseScoreValue('1e999')).toBe('1e999');
      expect(parseScoreValue('')).toBe('');
    });
  });
});
