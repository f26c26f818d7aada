import { describe, expect, it } from 'vitest';
import { groupBy } from '../../src/group-by.js';

describe('groupBy', () => {
  it('groups items by key, keeping item order within a group and first-seen order of groups', () => {
    const rows = [
      { app: 'b', n: 1 },
      { app: 'a', n: 2 },
      { app: 'b', n: 3 },
    ];
    const groups = groupBy(rows, (row) => row.app);
    expect([...groups.keys()]).toEqual(['b', 'a']);
    expect(groups.get('b')!.map((row) => row.n)).toEqual([1, 3]);
    expect(groups.get('a')!.map((row) => row.n)).toEqual([2]);
    expect(groupBy([], (row: { app: string }) => row.app).size).toBe(0);
  });
});
