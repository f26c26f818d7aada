import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createDecodePool } from '../../../src/ingest/decode-pool.js';
import type { DecodePool } from '../../../src/ingest/decode-pool.js';

/** The nice value of every thread of this process, from /proc (field 19 of a thread's stat). */
function threadNiceValues(): number[] {
  const values: number[] = [];
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      values.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended while we listed them.
    }
  }
  return values;
}

const admission = { retentionDays: 30, maxFutureSkewSeconds: 3600 };
const emptyRequest = { format: 'json' as const, body: Buffer.from('{"resourceSpans":[]}'), appId: 'a', nowNanos: 0n };

describe.skipIf(process.platform !== 'linux')('ingest/decode-pool', () => {
  let pool: DecodePool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  describe('niceness', () => {
    it('runs each worker thread at the nice value asked for, and leaves the other threads alone', async () => {
      const before = threadNiceValues().filter((nice) => nice === 7).length;
      pool = createDecodePool({ threads: 2, admission, encodeSteps: true, niceness: 7 });
      // Both workers are up once each has answered a request.
      await Promise.all([pool.decode(emptyRequest), pool.decode(emptyRequest)]);
      const after = threadNiceValues();
      expect(after.filter((nice) => nice === 7).length - before).toBe(2);
      expect(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[16])).not.toBe(7);
    });

    it('keeps the workers at the process\'s priority with niceness 0', async () => {
      const before = threadNiceValues().filter((nice) => nice === 7).length;
      pool = createDecodePool({ threads: 1, admission, encodeSteps: true, niceness: 0 });
      await pool.decode(emptyRequest);
      expect(threadNiceValues().filter((nice) => nice === 7).length).toBe(before);
    });
  });
});
