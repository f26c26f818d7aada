import { describe, expect, it } from 'vitest';
import { RECOUNT_HOURS_PER_STATEMENT, recountHours, recountHoursSql } from '../../../src/store/rollups.js';
import type { ClickHouseBackend } from '../../../src/store/backend.js';

describe('store/rollups recount', () => {
  it('recounts each hour from the executions (FINAL), every value bound, and zeroes the groups no execution is in any more', () => {
    const { sql, params } = recountHoursSql([{ appId: "a'; DROP TABLE x", hour: 3600 }, { appId: 'b', hour: 7200 }, { appId: "a'; DROP TABLE x", hour: 10800 }]);
    expect(sql).not.toContain('DROP');
    expect(sql).toContain('FROM executions FINAL');
    expect(sql).not.toContain('pipeline_stats_1h');
    // One condition per app: its hours as a set, within their span.
    expect(sql).toContain("start_time >= toDateTime({first0:UInt32}, 'UTC') AND start_time < toDateTime({last0:UInt32} + 3600, 'UTC')");
    expect(sql).toContain("toUnixTimestamp(toStartOfHour(toDateTime(start_time, 'UTC'))) IN {hours1:Array(UInt32)}");
    expect(sql).toContain('toUInt64(0) AS n');
    expect(params).toEqual({ app0: "a'; DROP TABLE x", hours0: [3600, 10800], first0: 3600, last0: 10800, app1: 'b', hours1: [7200], first1: 7200, last1: 7200 });
  });

  it(`splits many hours into statements of ${RECOUNT_HOURS_PER_STATEMENT}`, async () => {
    const statements: Record<string, unknown>[] = [];
    const backend = { command: async (_sql: string, params: Record<string, unknown>) => void statements.push(params) } as unknown as ClickHouseBackend;
    const hours = Array.from({ length: RECOUNT_HOURS_PER_STATEMENT + 1 }, (_, i) => ({ appId: 'a', hour: i * 3600 }));
    await recountHours(backend, hours);
    expect(statements.map((params) => (params.hours0 as number[]).length)).toEqual([RECOUNT_HOURS_PER_STATEMENT, 1]);
    expect(statements[1]).toMatchObject({ app0: 'a', hours0: [RECOUNT_HOURS_PER_STATEMENT * 3600] });
  });
});
