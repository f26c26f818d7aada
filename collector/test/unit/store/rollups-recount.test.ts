import { describe, expect, it } from 'vitest';
import { RECOUNT_HOURS_PER_STATEMENT, recountHours, recountHoursSql } from '../../../src/store/rollups.js';
import type { ClickHouseBackend } from '../../../src/store/backend.js';

describe('store/rollups recount', () => {
  it('recounts each hour from the executions (FINAL), every value bound, and zeroes the groups no execution is in any more', () => {
    const { sql, params } = recountHoursSql([{ appId: "a'; DROP TABLE x", hour: 3600 }, { appId: 'b', hour: 7200 }]);
    expect(sql).not.toContain('DROP');
    expect(sql).toContain('FROM executions FINAL');
    expect(sql).not.toContain('pipeline_stats_1h');
    expect(sql).toContain("start_time >= toDateTime({hour1:UInt32}, 'UTC') AND start_time < toDateTime({hour1:UInt32} + 3600, 'UTC')");
    expect(sql).toContain('toUInt64(0) AS n');
    expect(params).toEqual({ app0: "a'; DROP TABLE x", hour0: 3600, app1: 'b', hour1: 7200 });
  });

  it(`splits many hours into statements of ${RECOUNT_HOURS_PER_STATEMENT}`, async () => {
    const statements: Record<string, unknown>[] = [];
    const backend = { command: async (_sql: string, params: Record<string, unknown>) => void statements.push(params) } as unknown as ClickHouseBackend;
    const hours = Array.from({ length: RECOUNT_HOURS_PER_STATEMENT + 1 }, (_, i) => ({ appId: 'a', hour: i * 3600 }));
    await recountHours(backend, hours);
    expect(statements.map((params) => Object.keys(params).length / 2)).toEqual([RECOUNT_HOURS_PER_STATEMENT, 1]);
    expect(statements[1]).toEqual({ app0: 'a', hour0: RECOUNT_HOURS_PER_STATEMENT * 3600 });
  });
});
