import { describe, expect, it } from 'vitest';
import { formatDuration, formatInterval, formatPercent } from '../../../../src/cli/format/duration.js';

describe('duration', () => {
  describe('formatDuration', () => {
    it.each([
      [0, '0 ms'],
      [0.0004, '1 µs'],
      [0.42, '420 µs'],
      [0.9996, '1.0 ms'],
      [4.2, '4.2 ms'],
      [9.96, '10 ms'],
      [950, '950 ms'],
      [999.6, '1.00 s'],
      [1234, '1.23 s'],
      [9996, '10.0 s'],
      [12_345, '12.3 s'],
      [59_960, '1m 00s'],
      [75_000, '1m 15s'],
      [3_599_600, '1h 00m'],
      [3_780_000, '1h 03m'],
      [90_000_000, '1d 01h'],
    ])('formats %s ms as %s', (millis, text) => {
      expect(formatDuration(millis)).toBe(text);
    });

    it('prints a dash for values that are not a duration', () => {
      expect(formatDuration(-1)).toBe('-');
      expect(formatDuration(Number.NaN)).toBe('-');
    });
  });

  describe('formatPercent', () => {
    it('keeps one decimal except at 0 and 100%', () => {
      expect(formatPercent(0)).toBe('0%');
      expect(formatPercent(0.125)).toBe('12.5%');
      expect(formatPercent(1 / 3)).toBe('33.3%');
      expect(formatPercent(1)).toBe('100%');
    });
  });

  describe('formatInterval', () => {
    it('uses the largest whole unit', () => {
      expect(formatInterval(60)).toBe('1m');
      expect(formatInterval(1800)).toBe('30m');
      expect(formatInterval(7200)).toBe('2h');
      expect(formatInterval(86_400)).toBe('1d');
      expect(formatInterval(90)).toBe('90s');
    });
  });
});
