import { describe, expect, it } from 'vitest';
import { MAX_INSTANT_MILLIS, formatDurationSeconds, parseDurationSeconds, parseInstant } from '../../../src/time/index.js';

describe('time', () => {
  describe('parseDurationSeconds', () => {
    it.each([
      ['90s', 90],
      ['30m', 1800],
      ['1h', 3600],
      ['2d', 172_800],
      ['1w', 604_800],
      [' 5m ', 300],
    ])('reads %j as %i seconds', (text, seconds) => {
      expect(parseDurationSeconds(text)).toBe(seconds);
    });

    it.each(['1y', '1.5h', '-1h', 'h', '', '1 h', '10', '1H', '9999999999s'])('refuses %j', (text) => {
      expect(parseDurationSeconds(text)).toBeUndefined();
    });
  });

  describe('formatDurationSeconds', () => {
    it.each([
      [604_800, '1w'],
      [86_400, '1d'],
      [7200, '2h'],
      [300, '5m'],
      [90, '90s'],
    ])('writes %i seconds as %j, which parses back', (seconds, text) => {
      expect(formatDurationSeconds(seconds)).toBe(text);
      expect(parseDurationSeconds(text)).toBe(seconds);
    });
  });

  describe('parseInstant', () => {
    const ok = (millis: number) => ({ ok: true, millis });

    it('reads ISO 8601 dates and times, UTC unless a zone is given', () => {
      expect(parseInstant('2024-05-01')).toEqual(ok(Date.UTC(2024, 4, 1)));
      expect(parseInstant('2024-05-01T12:00')).toEqual(ok(Date.UTC(2024, 4, 1, 12)));
      expect(parseInstant('2024-05-01 12:00:00')).toEqual(ok(Date.UTC(2024, 4, 1, 12)));
      expect(parseInstant('2024-05-01T12:00:00.5Z')).toEqual(ok(Date.UTC(2024, 4, 1, 12, 0, 0, 500)));
      expect(parseInstant('2024-05-01T12:00:00.123456789Z')).toEqual(ok(Date.UTC(2024, 4, 1, 12, 0, 0, 123)));
      expect(parseInstant('2024-05-01T14:00:00+02:00')).toEqual(ok(Date.UTC(2024, 4, 1, 12)));
      expect(parseInstant('2024-05-01T14:00:00+0200')).toEqual(ok(Date.UTC(2024, 4, 1, 12)));
    });

    it('reads digits as unix milliseconds', () => {
      expect(parseInstant('1714564800000')).toEqual(ok(1_714_564_800_000));
      expect(parseInstant('0')).toEqual(ok(0));
      expect(parseInstant('86400000')).toEqual(ok(86_400_000));
    });

    it.each(['1714564800', '100000000', '99999999999'])('refuses %j, which looks like unix seconds', (text) => {
      const result = parseInstant(text);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason).toContain('looks like unix seconds');
    });

    it('accepts the last time DateTime64(9) holds and refuses the next millisecond', () => {
      expect(parseInstant(String(MAX_INSTANT_MILLIS))).toEqual(ok(MAX_INSTANT_MILLIS));
      expect(parseInstant(String(MAX_INSTANT_MILLIS + 1)).ok).toBe(false);
      expect(new Date(MAX_INSTANT_MILLIS).toISOString()).toBe('2262-04-11T23:47:16.854Z');
    });

    it.each([
      '999999999999999',
      '2262-12-31',
      '1969-12-31T23:59:59Z',
      '-271821-04-20T00:00:00Z',
      '+275760-09-13T00:00:00Z',
      '2024-02-30',
      '2023-02-29',
      '2024-05-01T24:00:00Z',
      '2024-05-01T12:60:00Z',
      'yesterday',
      'Wed, 01 May 2024 12:00:00 GMT',
      '',
      '12:00',
    ])('refuses %j with a reason', (text) => {
      const result = parseInstant(text);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.reason.length).toBeGreaterThan(10);
    });

    it('accepts 29 February in a leap year', () => {
      expect(parseInstant('2024-02-29')).toEqual(ok(Date.UTC(2024, 1, 29)));
    });
  });
});
