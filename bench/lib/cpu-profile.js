/**
 * Reads the .cpuprofile files `node --cpu-prof` writes and lists where the
 * samples fell: self time per function, and per package/area, so a report can
 * say what dominates the collector's CPU without opening DevTools.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `file:///work/main/node_modules/fastify/lib/x.js` -> `fastify`; our own code by folder. */
function areaOf(url) {
  if (!url) return '(native/V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  const ours = /collector\/dist\/([^/]+)/.exec(url);
  if (ours) return `collector/${ours[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return 'node core';
  return url.split('/').slice(-2).join('/');
}

/**
 * Self time per function and per area over every profile in `dir`.
 *
 * @param {string} dir
 * @param {number} top how many functions to list
 * @returns {{ totalMillis: number, functions: { name: string, where: string, millis: number, share: number }[], areas: { area: string, millis: number, share: number }[] }}
 */
export function summarizeCpuProfiles(dir, top = 20) {
  /** @type {Map<string, { name: string, where: string, millis: number }>} */
  const byFunction = new Map();
  /** @type {Map<string, number>} */
  const byArea = new Map();
  let totalMillis = 0;
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const selfMicros = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const id = profile.samples[i];
      selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
    for (const [id, micros] of selfMicros) {
      const frame = nodes.get(id)?.callFrame;
      if (!frame) continue;
      const millis = micros / 1000;
      totalMillis += millis;
      const name = frame.functionName || '(anonymous)';
      if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') {
        byArea.set(name, (byArea.get(name) ?? 0) + millis);
      } else {
        const area = areaOf(frame.url);
        byArea.set(area, (byArea.get(area) ?? 0) + millis);
      }
      const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|collector\/dist)\//, '$1/')}:${frame.lineNumber + 1}` : '';
      const key = `${name}@${where}`;
      const entry = byFunction.get(key) ?? { name, where, millis: 0 };
      entry.millis += millis;
      byFunction.set(key, entry);
    }
  }
  const busy = totalMillis - (byArea.get('(idle)') ?? 0);
  const share = (millis) => (busy > 0 ? millis / busy : 0);
  const functions = [...byFunction.values()]
    .filter((entry) => entry.name !== '(idle)')
    .sort((a, b) => b.millis - a.millis)
    .slice(0, top)
    .map((entry) => ({ ...entry, share: share(entry.millis) }));
  const areas = [...byArea.entries()]
    .filter(([area]) => area !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, millis]) => ({ area, millis, share: share(millis) }));
  return { totalMillis, busyMillis: busy, functions, areas };
}
