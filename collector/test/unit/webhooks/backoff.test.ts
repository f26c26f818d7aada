import { describe, expect, it } from 'vitest';
import { backoffMillis, nextAttemptAt } from '../../../src/webhooks/backoff.js';

const policy = { baseMillis: 1000, maxMillis: 30_000, maxAttempts: 5, maxAgeMillis: 3_600_000 };

describe('webhooks/backoff', () => {
  describe('backoffMillis', () => {
    it('draws uniformly below a ceiling that doubles per attempt (full jitter)', () => {
      expect([1, 2, 3, 4].map((attempts) => backoffMillis(attempts, policy, () => 0.999999))).toEqual([999, 1999, 3999, 7999]);
      expect(backoffMillis(3, policy, () => 0.5)).toBe(2000);
      expect(backoffMillis(3, policy, () => 0)).toBe(0);
    });

    it('never exceeds the cap, however many attempts', () => {
      expect(backoffMillis(6, policy, () => 0.999999)).toBe(29_999);
      expect(backoffMillis(1000, policy, () => 0.999999)).toBe(29_999);
    });

    it('spreads retries of many deliveries instead of aligning them', () => {
      const draws = Array.from({ length: 200 }, () => backoffMillis(4, policy));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThan(8000);
      expect(new Set(draws).size).toBeGreaterThan(100);
    });
  });

  describe('nextAttemptAt', () => {
    it('schedules the next attempt after now, then gives up after maxAttempts', () => {
      expect(nextAttemptAt({ attempts: 1, createdAtMillis: 0 }, policy, 10_000, () => 0.5)).toBe(10_500);
      expect(nextAttemptAt({ attempts: 4, createdAtMillis: 0 }, policy, 10_000, () => 0.5)).toBe(14_000);
      expect(nextAttemptAt({ attempts: 5, createdAtMillis: 0 }, policy, 10_000, () => 0.5)).toBeUndefined();
    });

    it('gives up when the next attempt would come after maxAgeMillis', () => {
      expect(nextAttemptAt({ attempts: 1, createdAtMillis: 0 }, policy, 3_599_000, () => 0.5)).toBe(3_599_500);
      expect(nextAttemptAt({ attempts: 1, createdAtMillis: 0 }, policy, 3_599_900, () => 0.5)).toBeUndefined();
    });
  });
});
