import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDecodePool, decodeWorkerFile } from '../../../src/ingest/decode-pool.js';
import { runToEnd } from '../../support/collector-process.js';
import type { DecodePool } from '../../../src/ingest/decode-pool.js';

/** The nice value of every thread of this process, by thread id, from /proc (field 19 of a thread's stat). */
function threadNiceValues(): Map<string, number> {
  const values = new Map<string, number>();
  for (const task of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      values.set(task, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended while we listed them.
    }
  }
  return values;
}

/**
 * The nice values of the threads started since `before` was listed: a pool's
 * workers. By thread id, not by count: an earlier test's workers may still
 * be ending.
 */
function newThreadNiceValues(before: Map<string, number>): number[] {
  return [...threadNiceValues()].filter(([task]) => !before.has(task)).map(([, nice]) => nice);
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
      const before = threadNiceValues();
      pool = createDecodePool({ threads: 2, admission, encodeSteps: true, niceness: 7 });
      // Both workers are up once each has answered a request.
      await Promise.all([pool.decode(emptyRequest), pool.decode(emptyRequest)]);
      expect(newThreadNiceValues(before).filter((nice) => nice === 7)).toHaveLength(2);
      expect(Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[16])).not.toBe(7);
    });

    it('keeps the workers at the process\'s priority with niceness 0', async () => {
      const before = threadNiceValues();
      pool = createDecodePool({ threads: 1, admission, encodeSteps: true, niceness: 0 });
      await pool.decode(emptyRequest);
      const started = newThreadNiceValues(before);
      expect(started.length).toBeGreaterThan(0);
      expect(started.filter((nice) => nice === 7)).toEqual([]);
    });
  });

  /**
   * piscina require()s the worker script. When that script is an ES module,
   * Node 20.19+ instantiates its whole graph synchronously inside require(),
   * and a worker terminated right then (a SIGTERM soon after start closes the
   * pool, then the process exits) aborts the process with a V8 fatal error
   * instead of exiting: 1 stop in ~30 in the main-process tests under CI's
   * load, a 300 s hang. Node's own trace of require(esm) shows which kind of
   * load a script gets; the decoder is ESM, so the counter-case shows the trace
   * works on this Node.
   */
  describe.skipIf(!(process.features as { require_module?: boolean }).require_module)('the worker script', () => {
    const requireTraced = (file: string) =>
      runToEnd(process.execPath, ['--trace-require-module=all', '-e', `require(${JSON.stringify(file)})`], { cwd: process.cwd(), env: { PATH: process.env.PATH } });

    it('loads through require() without loading an ES module synchronously', async () => {
      const entry = await requireTraced(decodeWorkerFile());
      expect(entry.code).toBe(0);
      expect(entry.stderr).not.toContain('using require()');

      // The decoder's own graph (decode-worker.js itself needs workerData, and Node traces only a load that evaluated).
      const decoder = await requireTraced(join(dirname(decodeWorkerFile()), 'decode-request.js'));
      expect(decoder.stderr).toContain('is loading ES Module');
    });
  });
});
