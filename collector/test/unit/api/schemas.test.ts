import { describe, expect, it } from 'vitest';
import {
  LIST_WINDOW_MILLIS,
  STATS_WINDOW_MILLIS,
  executionListQuery,
  scoreFiltersOf,
  failureRateQuery,
  pipelinesQuery,
  resolveRange,
  stepSearchQuery,
  summaryQuery,
} from '../../../src/api/schemas.js';

const DAY = 86_400_000;

describe('api/schemas', () => {
  describe('time parameters (from / to)', () => {
    it('read ISO 8601 times', () => {
      expect(executionListQuery.parse({ from: '2024-11-22T00:00:00.123Z' }).from).toBe(Date.UTC(2024, 10, 22, 0, 0, 0, 123));
      expect(executionListQuery.parse({ to: '2024-11-22T01:00:00+01:00' }).to).toBe(Date.UTC(2024, 10, 22));
    });

    it('read unix milliseconds', () => {
      expect(executionListQuery.parse({ from: '1732233600000', to: '0' })).toMatchObject({ from: 1_732_233_600_000, to: 0 });
    });

    it('reject text that is neither, naming what was expected', () => {
      const result = summaryQuery.safeParse({ from: 'yesterday-ish' });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].message).toBe(
        '"yesterday-ish" is not an ISO 8601 time such as 2024-05-01T12:00:00Z or unix milliseconds such as 1714564800000',
      );
      expect(summaryQuery.safeParse({ to: '' }).success).toBe(false);
    });

    it('are optional', () => {
      expect(pipelinesQuery.parse({})).toEqual({});
    });
  });

  describe('interval', () => {
    it.each([
      ['1m', 60],
      ['5m', 300],
      ['1h', 3600],
      ['1d', 86_400],
      ['3600', 3600],
      ['60', 60],
      ['120s', 120],
      ['1w', 604_800],
      ['2w', 1_209_600],
    ])('reads %s as %i seconds', (interval, seconds) => {
      expect(failureRateQuery.parse({ interval }).interval).toBe(seconds);
    });

    it.each(['59', '30s', '0', '0m'])('rejects %s, shorter than the one-minute rollup', (interval) => {
      const result = failureRateQuery.safeParse({ interval });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].message).toBe('the interval must be at least 1m (the rollup resolution)');
    });

    it.each(['1y', '1.5h', '-60', 'h', '', '1 h'])('rejects the malformed interval %j', (interval) => {
      expect(failureRateQuery.safeParse({ interval }).success).toBe(false);
    });

    it('rejects intervals longer than 366 days', () => {
      expect(failureRateQuery.safeParse({ interval: '366d' }).success).toBe(true);
      expect(failureRateQuery.safeParse({ interval: '367d' }).success).toBe(false);
    });

    it('is optional', () => {
      expect(failureRateQuery.parse({}).interval).toBeUndefined();
    });
  });

  describe('limit', () => {
    it('defaults to 50', () => {
      expect(executionListQuery.parse({}).limit).toBe(50);
      expect(stepSearchQuery.parse({}).limit).toBe(50);
    });

    it('accepts 1 to 500 given as query-string text', () => {
      expect(executionListQuery.parse({ limit: '1' }).limit).toBe(1);
      expect(executionListQuery.parse({ limit: '500' }).limit).toBe(500);
    });

    it.each(['0', '501', '-1', '2.5', 'ten'])('rejects %s', (limit) => {
      expect(executionListQuery.safeParse({ limit }).success).toBe(false);
    });
  });

  describe('query objects', () => {
    it.each([
      ['executionListQuery', executionListQuery],
      ['stepSearchQuery', stepSearchQuery],
      ['failureRateQuery', failureRateQuery],
      ['summaryQuery', summaryQuery],
      ['pipelinesQuery', pipelinesQuery],
    ] as const)('%s rejects unknown parameters', (_name, schema) => {
      const result = schema.safeParse({ frmo: '1' });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].code).toBe('unrecognized_keys');
    });

    it('executionListQuery accepts score.<name>=<value> filters and nothing else outside its parameters', () => {
      expect(scoreFiltersOf(executionListQuery.parse({ 'score.correct': 'false', 'score.rating': '5' }))).toEqual([
        { name: 'correct', value: 'false' },
        { name: 'rating', value: '5' },
      ]);
      const result = executionListQuery.safeParse({ 'score.': 'x', 'scores.correct': 'false' });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0].message).toContain('"scores.correct"');
    });

    it('executionListQuery accepts every documented filter', () => {
      const parsed = executionListQuery.parse({
        pipeline: 'p',
        status: 'failed',
        environment: 'prod',
        step: 'score',
        q: 'low risk',
        from: '0',
        to: '1000',
        limit: '10',
        cursor: 'abc',
      });
      expect(parsed).toEqual({
        pipeline: 'p',
        status: 'failed',
        environment: 'prod',
        step: 'score',
        q: 'low risk',
        from: 0,
        to: 1000,
        limit: 10,
        cursor: 'abc',
      });
    });

    it('rejects empty and over-long names', () => {
      expect(executionListQuery.safeParse({ pipeline: '' }).success).toBe(false);
      expect(executionListQuery.safeParse({ pipeline: 'p'.repeat(257) }).success).toBe(false);
      expect(executionListQuery.safeParse({ pipeline: 'p'.repeat(256) }).success).toBe(true);
    });
  });

  describe('resolveRange', () => {
    const NOW = Date.UTC(2024, 10, 22);

    it('ends the default window just after now, so a row stamped now is included', () => {
      expect(resolveRange({}, DAY, NOW)).toEqual({ fromMillis: NOW + 1 - DAY, toMillis: NOW + 1 });
    });

    it('counts the default window back from an explicit end', () => {
      expect(resolveRange({ to: 12 * DAY }, LIST_WINDOW_MILLIS, NOW)).toEqual({ fromMillis: 5 * DAY, toMillis: 12 * DAY });
    });

    it('does not count the default window back before 1970', () => {
      expect(resolveRange({ to: 5 * DAY }, LIST_WINDOW_MILLIS, NOW)).toEqual({ fromMillis: 0, toMillis: 5 * DAY });
    });

    it('refuses a window whose start is not before its end, saying when the end is the default', () => {
      expect(() => resolveRange({ from: 20, to: 10 }, LIST_WINDOW_MILLIS, NOW)).toThrow('must be before to (1970-01-01T00:00:00.010Z)');
      expect(() => resolveRange({ from: 20, to: 20 }, LIST_WINDOW_MILLIS, NOW)).toThrow('must be before to');
      expect(() => resolveRange({ from: NOW + DAY }, LIST_WINDOW_MILLIS, NOW)).toThrow('the default: now');
    });

    it('keeps both ends when both are given', () => {
      expect(resolveRange({ from: 10, to: 20 }, STATS_WINDOW_MILLIS, NOW)).toEqual({ fromMillis: 10, toMillis: 20 });
    });

    it('ends at now when only the start is given', () => {
      expect(resolveRange({ from: 10 }, STATS_WINDOW_MILLIS, NOW)).toEqual({ fromMillis: 10, toMillis: NOW + 1 });
    });

    it('uses one default window of 7 days for lists and stats', () => {
      expect(LIST_WINDOW_MILLIS).toBe(7 * DAY);
      expect(STATS_WINDOW_MILLIS).toBe(7 * DAY);
    });
  });
});
