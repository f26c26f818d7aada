import { describe, expect, it } from 'vitest';
import { createInFlightBytes } from '../../../src/limits/in-flight-bytes.js';

describe('limits/in-flight-bytes', () => {
  describe('createInFlightBytes', () => {
    it('reserves until the budget is full, refuses what does not fit, and takes back what is released', () => {
      const budget = createInFlightBytes({ maxBytes: 100, maxBodyBytes: 80 });
      expect(budget.tryReserve(60)).toBe(true);
      expect(budget.tryReserve(40)).toBe(true);
      expect(budget.tryReserve(1)).toBe(false);
      expect(budget.reservedBytes).toBe(100);
      budget.release(60);
      expect(budget.tryReserve(61)).toBe(false);
      expect(budget.reservedBytes).toBe(40);
      expect(budget.tryReserve(60)).toBe(true);
    });

    it('always admits one request alone, however large, so a body the size of the limit can be sent', () => {
      const budget = createInFlightBytes({ maxBytes: 10, maxBodyBytes: 80 });
      expect(budget.tryReserve(80)).toBe(true);
      expect(budget.tryReserve(1)).toBe(false);
    });

    it('never goes below zero when more is released than reserved', () => {
      const budget = createInFlightBytes({ maxBytes: 10, maxBodyBytes: 10 });
      budget.release(5);
      expect(budget.reservedBytes).toBe(0);
    });
  });
});
