/**
 * CPU time of every thread of a process, from `/proc/<pid>/task/<tid>/stat`
 * (Linux; clock ticks of 10 ms). What a request costs a server is not only
 * the thread that answers it: work it sets off on other threads (an insert,
 * the merges after it, a GC helper) lands there, sometimes after the reply.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** Milliseconds per clock tick of /proc (USER_HZ, 100 on Linux). */
const TICK_MILLIS = 10;

/**
 * @param {number} pid
 * @returns {{ main: number, all: number, byName: Map<string, number> } | undefined} CPU milliseconds so far; undefined off Linux or when the process is gone
 */
export function threadCpuMillis(pid) {
  if (os.platform() !== 'linux') return undefined;
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const byName = new Map();
  let main = 0;
  let all = 0;
  for (const tid of tids) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    // The name is in parentheses and may hold spaces; the fields after it are space-separated (utime, stime are the 12th and 13th).
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const millis = (Number(fields[11]) + Number(fields[12])) * TICK_MILLIS;
    all += millis;
    if (tid === String(pid)) main += millis;
    else byName.set(name, (byName.get(name) ?? 0) + millis);
  }
  return { main, all, byName };
}

/**
 * CPU of every thread of `pid` per call of `fn`, over `runs` calls one after
 * another and then `settleMillis` of quiet, so work a call set off on other
 * threads is counted too.
 *
 * @param {{ pid: number, runs: number, settleMillis: number, fn: (i: number) => Promise<unknown> }} options
 * @returns {Promise<{ mainMicros: number, allMicros: number, others: [string, number][] } | undefined>} microseconds per call; `others`: the other threads by name, largest first
 */
export async function cpuPerCall(options) {
  const before = threadCpuMillis(options.pid);
  if (!before) return undefined;
  for (let i = 0; i < options.runs; i++) await options.fn(i);
  await new Promise((resolve) => setTimeout(resolve, options.settleMillis));
  const after = threadCpuMillis(options.pid);
  if (!after) return undefined;
  const per = (millis) => (millis * 1000) / options.runs;
  const others = [...after.byName]
    .map(([name, millis]) => [name, per(millis - (before.byName.get(name) ?? 0))])
    .filter(([, micros]) => micros > 0)
    .sort((a, b) => b[1] - a[1]);
  return { mainMicros: per(after.main - before.main), allMicros: per(after.all - before.all), others };
}
