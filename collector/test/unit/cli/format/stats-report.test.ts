import { describe, expect, it } from 'vitest';
import { createColors } from '../../../../src/cli/format/colors.js';
import { rateBar, renderStats } from '../../../../src/cli/format/stats-report.js';

const plain = createColors(false);
const summary = {
  from: '2024-05-01T00:00:00Z',
  to: '2024-05-02T00:00:00Z',
  executions: 8,
  failed: 1,
  failureRate: 0.125,
  avgDurationMs: 1200,
  p50DurationMs: 900,
  p95DurationMs: 3400,
};

describe('stats-report', () => {
  describe('renderStats', () => {
    it('prints the summary and a bar per bucket', () => {
      const rate = {
        intervalSeconds: 3600,
        from: summary.from,
        to: summary.to,
        series: [
          {
            pipeline: 'loan-approval',
            points: [
              { time: '2024-05-01T10:00:00Z', executions: 4, failed: 0, failureRate: 0 },
              { time: '2024-05-01T11:00:00Z', executions: 4, failed: 1, failureRate: 0.25 },
            ],
          },
        ],
      };
      expect(renderStats(summary, rate, { colors: plain }).split('\n')).toEqual([
        'window      2024-05-01 00:00 → 2024-05-02 00:00 UTC',
        'executions  8',
        'failed      1 (12.5%)',
        'duration    avg 1.20 s   p50 900 ms   p95 3.40 s',
        '',
        'Failure rate per 1h (bucket start, UTC)',
        '  loan-approval',
        '    2024-05-01 10:00  ░░░░░░░░░░      0%  0/4',
        '    2024-05-01 11:00  ███░░░░░░░   25.0%  1/4',
      ]);
    });

    it('lists only the latest buckets and says how many it left out', () => {
      const points = Array.from({ length: 30 }, (_, i) => ({ time: new Date(Date.UTC(2024, 4, 1, 0, i)).toISOString(), executions: 1, failed: 0, failureRate: 0 }));
      const text = renderStats(summary, { intervalSeconds: 60, from: '', to: '', series: [{ pipeline: 'p', points }] }, { colors: plain, maxBuckets: 5 });
      expect(text).toContain('(25 earlier buckets not shown; --json lists them all)');
      expect(text).toContain('2024-05-01 00:29 ');
      expect(text).not.toContain('2024-05-01 00:24 ');
    });

    it('says when the window is empty', () => {
      const empty = { ...summary, executions: 0, failed: 0, failureRate: 0 };
      const text = renderStats(empty, { intervalSeconds: 60, from: '', to: '', series: [] }, { colors: plain });
      expect(text).toContain('duration    -');
      expect(text).toContain('No executions in this window.');
    });
  });

  describe('rateBar', () => {
    it('never rounds a failure away', () => {
      expect(rateBar(0.01, 1, plain)).toBe('█░░░░░░░░░');
      expect(rateBar(0, 0, plain)).toBe('░░░░░░░░░░');
      expect(rateBar(1, 5, plain)).toBe('██████████');
    });
  });
});
