import { describe, expect, it, vi } from 'vitest';
import { randomSpanIds, spanIdAt } from '../../src/span-ids.js';

describe('span ids', () => {
  it('makes the requested number of distinct 16-character lowercase hex ids', () => {
    const ids = randomSpanIds(1000);
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = spanIdAt(ids, i);
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(1000);
    expect(spanIdAt(ids, 1000)).toBe('');
  });

  it('never makes the invalid all-zero id', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      expect(spanIdAt(randomSpanIds(2), 1)).toBe('0000000000000001');
    } finally {
      random.mockRestore();
    }
  });

  it('writes every hex digit in order', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValueOnce(0x01234567 / 2 ** 32).mockReturnValueOnce(0x89abcdef / 2 ** 32);
    try {
      expect(spanIdAt(randomSpanIds(1), 0)).toBe('0123456789abcdef');
    } finally {
      random.mockRestore();
    }
  });
});
