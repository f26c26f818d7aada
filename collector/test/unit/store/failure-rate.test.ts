import { describe, expect, it } from 'vitest';
import { failureRateQuery, pendingHoursQuery, planFailureRate } from '../../../src/store/failure-rate.js';
import { wholeDayPartitions } from '../../../src/store/sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const t0 = Date.UTC(2026, 10, 1);

describe('store/failure-rate', () => {
  describe('planFailureRate', () => {
    it('reads whole hours from the hourly rollup and the partial edge hours raw', () => {
      const range = { fromMillis: t0 + 20 * 60_000, toMillis: t0 + 5 * HOUR + 90_000 };
      expect(planFailureRate(range, 3600, { rawFromMillis: t0 - DAY })).toEqual({
        hours: { fromMillis: t0 + HOUR, toMillis: t0 + 5 * HOUR },
        raw: [
          { fromMillis: range.fromMillis, toMillis: t0 + HOUR },
          { fromMillis: t0 + 5 * HOUR, toMillis: range.toMillis },
        ],
        minutes: [],
      });
    });

    it('uses no rollup hour for an interval that is not a whole number of hours', () => {
      const range = { fromMillis: t0, toMillis: t0 + DAY };
      expect(planFailureRate(range, 900, { rawFromMillis: t0 - DAY })).toEqual({ hours: undefined, raw: [range], minutes: [] });
    });

    it('reads a window shorter than an hour boundary to boundary raw', () => {
      const range = { fromMillis: t0 + 10 * 60_000, toMillis: t0 + 50 * 60_000 };
      expect(planFailureRate(range, 3600, { rawFromMillis: t0 - DAY })).toEqual({ hours: undefined, raw: [range], minutes: [] });
    });

    it('reads an edge older than the raw retention from the per-minute rollup', () => {
      const range = { fromMillis: t0 + 30 * 60_000, toMillis: t0 + 3 * HOUR + 60_000 };
      const plan = planFailureRate(range, 7200, { rawFromMillis: t0 + HOUR });
      expect(plan.minutes).toEqual([{ fromMillis: range.fromMillis, toMillis: t0 + HOUR }]);
      expect(plan.raw).toEqual([{ fromMillis: t0 + 3 * HOUR, toMillis: range.toMillis }]);
    });
  });

  describe('failureRateQuery', () => {
    it('binds every value and names each source once', () => {
      const { sql, params } = failureRateQuery(
        "app'; DROP TABLE x",
        { fromMillis: t0 + 1, toMillis: t0 + 3 * HOUR + 1, pipeline: 'p', environment: 'e' },
        3600,
        { rawFromMillis: t0 - DAY, pendingSince: t0 - HOUR, pendingHours: [(t0 + 2 * HOUR) / 1000] },
      );
      expect(sql).not.toContain('DROP');
      // Whole hours from the counts, except the hours the pending rows fall in: those from the rows themselves
      // (the sets keep every version of a root sent again; only the rows say which is the newest).
      expect(sql).toContain('FROM pipeline_counts_1h FINAL');
      expect(sql).toContain('AND toUnixTimestamp(bucket) NOT IN {pendingHours:Array(UInt32)}');
      expect(sql).toContain("AND toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC'))) IN {pendingHours:Array(UInt32)}");
      expect(sql).toContain('FROM executions FINAL');
      expect(sql).not.toContain('pipeline_stats_1h');
      expect(sql).not.toContain('pipeline_stats_1m');
      expect(params).toMatchObject({
        appId: "app'; DROP TABLE x",
        pipeline: 'p',
        environment: 'e',
        interval: 3600,
        rawFrom0: t0 + 1,
        rawTo1: t0 + 3 * HOUR + 1,
        pendingRangeFrom0: t0 + HOUR,
        pendingRangeTo0: t0 + 3 * HOUR,
        pendingHours: [(t0 + 2 * HOUR) / 1000],
      });
    });

    it('needs the pending hours while rows are pending, and reads the counts alone when none falls in the window', () => {
      const window = { fromMillis: t0, toMillis: t0 + 3 * HOUR };
      expect(() => failureRateQuery('a', window, 3600, { rawFromMillis: t0 - DAY, pendingSince: t0 })).toThrow('pendingHours');
      const { sql, params } = failureRateQuery('a', window, 3600, { rawFromMillis: t0 - DAY, pendingSince: t0, pendingHours: [] });
      expect(sql).toContain('FROM pipeline_counts_1h FINAL');
      expect(sql).not.toContain('pipeline_stats_1h');
      expect(params).not.toHaveProperty('pendingHours');
    });

    it('looks for pending hours only inside the whole hours asked, with every value bound', () => {
      const { sql, params } = pendingHoursQuery("x'", { fromMillis: t0 + HOUR, toMillis: t0 + 5 * HOUR }, t0 - 1);
      expect(sql).not.toContain("x'");
      expect(sql).toContain("inserted_at >= fromUnixTimestamp64Milli({pendingSince:Int64}, 'UTC')");
      expect(sql).toContain("start_time >= fromUnixTimestamp64Milli({hoursFrom0:Int64}, 'UTC')");
      expect(params).toEqual({ appId: "x'", pendingSince: t0 - 1, hoursFrom0: t0 + HOUR, hoursTo0: t0 + 5 * HOUR });
    });

    it('reads the counts alone when the rollup job knows nothing is pending', () => {
      const { sql, params } = failureRateQuery('a', { fromMillis: t0, toMillis: t0 + 3 * HOUR }, 3600, { rawFromMillis: t0 - DAY, pendingSince: undefined });
      expect(sql).toContain('FROM pipeline_counts_1h FINAL');
      expect(sql).not.toContain('pipeline_stats_1h');
      expect(sql).not.toContain('pending');
      expect(params).not.toHaveProperty('pendingSince');
    });
  });
});

describe('store/sql wholeDayPartitions', () => {
  it('lists the UTC days wholly inside the window as partition ids', () => {
    expect(wholeDayPartitions({ fromMillis: Date.UTC(2026, 0, 1, 12), toMillis: Date.UTC(2026, 0, 4) })).toEqual(['20260102', '20260103']);
    expect(wholeDayPartitions({ fromMillis: Date.UTC(2026, 0, 1), toMillis: Date.UTC(2026, 0, 1, 23) })).toEqual([]);
    expect(wholeDayPartitions({ fromMillis: Date.UTC(2025, 11, 31), toMillis: Date.UTC(2026, 0, 1) })).toEqual(['20251231']);
  });
});
