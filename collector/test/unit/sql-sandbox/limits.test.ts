import { describe, expect, it } from 'vitest';
import { DEFAULT_SQL_LIMITS, sandboxSettings, settingsClause } from '../../../src/sql-sandbox/limits.js';

describe('sql-sandbox/limits', () => {
  describe('sandboxSettings', () => {
    it('caps rows one past the limit with break, time with throw, memory and threads, and sets readonly last', () => {
      const settings = sandboxSettings({ ...DEFAULT_SQL_LIMITS, maxRows: 100 });
      expect(settings).toMatchObject({
        max_result_rows: 101,
        result_overflow_mode: 'break',
        max_execution_time: 30,
        timeout_overflow_mode: 'throw',
        max_memory_usage: 1024 ** 3,
        max_threads: 2,
        readonly: 1,
      });
      expect(Object.keys(settings).at(-1)).toBe('readonly');
    });
  });

  describe('settingsClause', () => {
    it('renders numbers bare and words as escaped literals', () => {
      expect(settingsClause({ max_threads: 2, result_overflow_mode: "br'eak\\" })).toBe("SETTINGS max_threads = 2, result_overflow_mode = 'br\\'eak\\\\'");
    });

    it('refuses a setting name that is not a plain identifier', () => {
      expect(() => settingsClause({ 'readonly = 0, x': 1 })).toThrow('unexpected setting name');
    });
  });
});
