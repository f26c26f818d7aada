import { describe, expect, it } from 'vitest';
import { formatTimestamp, resolveTimeZone } from '../../../../src/cli/format/time-zone.js';

describe('cli/format/time-zone', () => {
  describe('formatTimestamp', () => {
    it('prints an ISO time as date and time in UTC by default', () => {
      expect(formatTimestamp('2024-05-01T09:08:07.654Z')).toBe('2024-05-01 09:08:07');
      expect(formatTimestamp('2024-05-01T09:08:07.654Z', { seconds: false })).toBe('2024-05-01 09:08');
      expect(formatTimestamp('2024-12-31T23:59:59Z')).toBe('2024-12-31 23:59:59');
    });

    it('prints the clock of another zone when given one, across a date line and daylight saving', () => {
      expect(formatTimestamp('2024-05-01T23:30:00Z', { zone: 'Europe/Paris' })).toBe('2024-05-02 01:30:00');
      expect(formatTimestamp('2024-01-15T23:30:00Z', { zone: 'Europe/Paris' })).toBe('2024-01-16 00:30:00');
      expect(formatTimestamp('2024-05-01T00:30:00Z', { zone: 'America/New_York', seconds: false })).toBe('2024-04-30 20:30');
    });

    it('returns text that is not a time unchanged', () => {
      expect(formatTimestamp('soon')).toBe('soon');
    });
  });

  describe('resolveTimeZone', () => {
    it('is UTC unless --local or TZ says otherwise, and --utc wins over TZ', () => {
      expect(resolveTimeZone({ local: false, utc: false, env: {} })).toBe('UTC');
      expect(resolveTimeZone({ local: false, utc: false, env: { TZ: 'Asia/Tokyo' } })).toBe('Asia/Tokyo');
      expect(resolveTimeZone({ local: false, utc: false, env: { TZ: ':Asia/Tokyo' } })).toBe('Asia/Tokyo');
      expect(resolveTimeZone({ local: true, utc: false, env: { TZ: 'Asia/Tokyo' } })).toBe('Asia/Tokyo');
      expect(resolveTimeZone({ local: false, utc: true, env: { TZ: 'Asia/Tokyo' } })).toBe('UTC');
      expect(resolveTimeZone({ local: true, utc: false, env: {} })).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
    });

    it('refuses a TZ that is not a zone, and --local with --utc', () => {
      expect(() => resolveTimeZone({ local: false, utc: false, env: { TZ: 'Mars/Olympus' } })).toThrow('TZ must be a time zone');
      expect(() => resolveTimeZone({ local: true, utc: true, env: {} })).toThrow('either --local or --utc');
    });
  });

});
