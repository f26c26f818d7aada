/**
 * `npm start` and the collector's Docker image launch the collector with
 * COLLECTOR_ENV and COLLECTOR_NODE_FLAGS, the environment and flags the
 * collector test suite's and the benchmarks' child collectors use: what is
 * measured and tested is what a user runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_ENV, COLLECTOR_NODE_FLAGS } from '../../../src/launch.js';

const rootPackage = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

describe('the collector launch', () => {
  it("npm start runs main.js with exactly the launch environment and flags, an operator's own value winning", () => {
    const launch = /(?:^|&& )((?:\S+=\S+ )*)node (.*)collector\/dist\/main\.js$/.exec(rootPackage.scripts.start);
    expect(launch, rootPackage.scripts.start).not.toBeNull();
    const assignments = launch![1].trim().split(/\s+/).filter((word) => word.length > 0);
    expect(assignments).toEqual(Object.entries(COLLECTOR_ENV).map(([name, value]) => `${name}=\${${name}:-${value}}`));
    expect(launch![2].trim().split(/\s+/).filter((flag) => flag.length > 0)).toEqual([...COLLECTOR_NODE_FLAGS]);
  });

  it('the collector image runs main.js with exactly the launch flags', () => {
    const dockerfile = readFileSync(new URL('../../../Dockerfile', import.meta.url), 'utf8');
    const command = /^CMD (\[.*\])$/m.exec(dockerfile);
    expect(command, 'the Dockerfile has an exec-form CMD').not.toBeNull();
    expect(JSON.parse(command![1])).toEqual(['node', ...COLLECTOR_NODE_FLAGS, 'collector/dist/main.js']);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    for (const [name, value] of Object.entries(COLLECTOR_ENV)) expect(runtime).toMatch(new RegExp(`^ENV ${name}=${value}$`, 'm'));
  });

  it('glibc takes the mmap threshold from the environment: freed blocks of 128 KiB and more go back to the OS', () => {
    // After an 8 MiB block is freed, glibc's default raises its threshold past 256 KiB: 64 such buffers then come
    // from its heap, which keeps their 16 MiB when they are freed. With the fixed threshold each has its own mapping.
    // A module of its own: code given with -e keeps some of the buffers reachable after `keep = null`.
    const script = join(mkdtempSync(join(tmpdir(), 'xray-malloc-')), 'probe.mjs');
    writeFileSync(
      script,
      'const rss=()=>process.memoryUsage().rss/1048576;let big=Buffer.allocUnsafeSlow(8<<20);big.fill(1);big=null;gc();gc();' +
        'const before=rss();let keep=[];for(let i=0;i<64;i++){const b=Buffer.allocUnsafeSlow(256<<10);b.fill(1);keep.push(b)}' +
        'const held=rss();keep=null;gc();gc();console.log(JSON.stringify({held:held-before,kept:rss()-before}))',
    );
    const run = (env: Record<string, string>) => {
      const { MALLOC_MMAP_THRESHOLD_: _inherited, ...parent } = process.env;
      const child = spawnSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', env: { ...parent, ...env } });
      expect(child.status, child.stderr).toBe(0);
      return JSON.parse(child.stdout) as { held: number; kept: number };
    };
    const fixed = run({ ...COLLECTOR_ENV });
    const dynamic = run({});
    expect(fixed.held).toBeGreaterThan(12);
    expect(dynamic.held).toBeGreaterThan(12);
    expect(fixed.kept).toBeLessThan(4);
    expect(dynamic.kept).toBeGreaterThan(12);
    rmSync(dirname(script), { recursive: true, force: true });
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
