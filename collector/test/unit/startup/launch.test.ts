/**
 * `npm start` and the collector's Docker image launch the collector with
 * COLLECTOR_NODE_FLAGS, the flags the collector test suite's and the benchmarks' child
 * collectors use: what is measured and tested is what a user runs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_NODE_FLAGS } from '../../../src/launch.js';

const rootPackage = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('the collector launch', () => {
  it('npm start runs main.js with exactly the launch flags', () => {
    const launch = /(?:^|&& )node (.*)collector\/dist\/main\.js$/.exec(rootPackage.scripts.start);
    expect(launch, rootPackage.scripts.start).not.toBeNull();
    expect(launch![1].trim().split(/\s+/).filter((flag) => flag.length > 0)).toEqual([...COLLECTOR_NODE_FLAGS]);
  });

  it('the collector image runs main.js with exactly the launch flags', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    const command = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(command, 'the Dockerfile has an exec-form CMD').not.toBeNull();
    expect(JSON.parse(command![1])).toEqual(['node', ...COLLECTOR_NODE_FLAGS, 'collector/dist/main.js']);
  });

  it('Node accepts the flags, and they cap the young generation', () => {
    // Objects that survive make V8 grow the new space up to its cap: 32 MB without the flag (Node 20's 16 MB semi-spaces).
    const script =
      "const v8=require('v8');let most=0;const keep=[];for(let r=0;r<40;r++){for(let i=0;i<1e5;i++)keep.push({i,r});" +
      "most=Math.max(most,v8.getHeapSpaceStatistics().find((s)=>s.space_name==='new_space').space_size)}console.log(most)";
    const run = (flags: readonly string[]) => {
      const child = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
      expect(child.status, child.stderr).toBe(0);
      return Number(child.stdout);
    };
    const capped = run(COLLECTOR_NODE_FLAGS);
    expect(capped).toBeGreaterThan(0);
    expect(capped).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(run([])).toBeGreaterThan(capped);
  });
});
