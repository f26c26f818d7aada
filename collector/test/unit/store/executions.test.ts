import { describe, expect, it } from 'vitest';
import { newestFirstWindows } from '../../../src/store/executions.js';

const DAY = 86_400_000;

describe('store/executions', () => {
  describe('newestFirstWindows', () => {
    it('cuts a 30-day range into the last day and the rest, newest first and contiguous', () => {
      expect(newestFirstWindows({ fromMillis: 0, toMillis: 30 * DAY })).toEqual([
        { fromMillis: 29 * DAY, toMillis: 30 * DAY },
        { fromMillis: 0, toMillis: 29 * DAY },
      ]);
    });

    it('keeps a range of a day or less whole', () => {
      expect(newestFirstWindows({ fromMillis: 5, toMillis: DAY })).toEqual([{ fromMillis: 5, toMillis: DAY }]);
    });

    it('never leaves a window outside the range', () => {
      expect(newestFirstWindows({ fromMillis: 0, toMillis: 3 * DAY })).toEqual([
        { fromMillis: 2 * DAY, toMillis: 3 * DAY },
        { fromMillis: 0, toMillis: 2 * DAY },
      ]);
    });
  });
});
