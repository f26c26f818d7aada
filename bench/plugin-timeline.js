/**
 * `plugin-timeline`: how soon the Grafana app's Execution page shows the
 * first rows of a 50,000-step execution with ~1.5 KB payloads (issue 8's
 * size), in Debian's Chromium against a real collector, once the harness is
 * running (building, seeding and launching Chromium are outside every
 * figure). "First rows" (issue 8's figure): navigating to the execution in
 * the running app (its link in the Executions list) → the first frame showing
 * a timeline row. Also measured: loading the page from its URL, where the
 * test host (the stand-in for Grafana's own start-up) boots first, and the
 * search within the execution. The baseline, in the same run: the old page's
 * critical path, the whole execution with every payload fetched through the
 * proxy and parsed (the old page showed no row before it). The driver is the
 * plugin's browser-harness code
 * (grafana-plugin/test/browser/bench/timeline-first-rows.ts), bundled here
 * with esbuild next to its source so its relative paths hold.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { formatBytes, formatFixed, formatRatio, progress, verdict } from './lib/format.js';
import { median } from './lib/stats.js';

const PLUGIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'grafana-plugin');
const DRIVER = join(PLUGIN, 'test/browser/bench/timeline-first-rows.ts');
const BUNDLE = join(PLUGIN, 'test/browser/bench/.timeline-first-rows.cjs');
const TARGET_MILLIS = 1500;

/**
 * @param {{ quick: boolean }} options
 */
export async function runPluginTimeline(options) {
  if (!existsSync(join(PLUGIN, 'node_modules/.bin/webpack'))) {
    throw new Error('the plugin has no dependencies: run `npm install --prefix grafana-plugin` first');
  }
  if (process.env.XRAY_PLUGIN_SKIP_BUILD !== '1') {
    progress('plugin-timeline: building the plugin (dist/)');
    const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: PLUGIN, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`the plugin build failed:\n${built.stdout}\n${built.stderr}`);
  }
  await build({
    entryPoints: [DRIVER],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  let result;
  try {
    const { measureTimelineFirstRows } = createRequire(import.meta.url)(BUNDLE);
    result = await measureTimelineFirstRows({ runs: options.quick ? 2 : 5, progress });
  } finally {
    rmSync(BUNDLE, { force: true });
  }

  const firstRows = median(result.navigationFirstRowsMillis);
  const pageLoad = median(result.pageFirstRowsMillis);
  const hostReady = median(result.pageHostReadyMillis);
  const firstOutline = median(result.pageFirstOutlineMillis);
  const rareSearch = median(result.rareSearchMillis);
  const commonSearch = median(result.commonSearchMillis);
  const whole = median(result.wholeExecutionMillis);
  const outline = median(result.outlineMillis);
  const afterReady = median(result.pageFirstRowsMillis.map((millis, i) => millis - result.pageHostReadyMillis[i]));
  const range = (values) => `${formatFixed(Math.min(...values), 0)}–${formatFixed(Math.max(...values), 0)}`;
  const record = {
    steps: result.steps,
    runs: result.runs,
    firstRowsMedianMillis: firstRows,
    pageLoadFirstRowsMedianMillis: pageLoad,
    hostReadyMedianMillis: hostReady,
    pageFirstOutlineMedianMillis: firstOutline,
    rareSearchMedianMillis: rareSearch,
    commonSearchMedianMillis: commonSearch,
    commonSearchMatches: result.commonSearchMatches,
    commonSearchBytes: result.commonSearchBytes,
    firstRowsAfterHostReadyMedianMillis: afterReady,
    wholeExecutionMedianMillis: whole,
    wholeExecutionBytes: result.wholeExecutionBytes,
    outlineMedianMillis: outline,
    outlineBytes: result.outlineBytes,
    seedSeconds: result.seedSeconds,
    samples: result,
  };
  const tables = [
    {
      title: `plugin-timeline: first rows of a ${result.steps.toLocaleString('en-US')}-step execution with ~1.5 KB payloads, Chromium against a collector; ms, median of ${result.runs} runs after 1 untimed`,
      columns: ['measure', 'median ms', 'range ms', 'vs baseline'],
      rows: [
        [`baseline: the old page's critical path, the whole execution (${formatBytes(result.wholeExecutionBytes)}) fetched + parsed`, formatFixed(whole, 0), range(result.wholeExecutionMillis), '1.00x'],
        ['first rows: click on the execution in the running app -> first frame with a row', formatFixed(firstRows, 0), range(result.navigationFirstRowsMillis), formatRatio(whole / firstRows)],
        ['page load from the URL (host boots first) -> first frame with a row', formatFixed(pageLoad, 0), range(result.pageFirstRowsMillis), formatRatio(whole / pageLoad)],
        ['  of which page load -> host ready (the stand-in for Grafana\'s start-up)', formatFixed(hostReady, 0), range(result.pageHostReadyMillis), ''],
        ['  of which host ready -> first rows (the app: its chunks, the first outline, render)', formatFixed(afterReady, 0), '', ''],
        ['  of which the first 200 steps\' outline request', formatFixed(firstOutline, 0), range(result.pageFirstOutlineMillis), ''],
        [`the whole outline (${formatBytes(result.outlineBytes)}) fetched + parsed`, formatFixed(outline, 0), range(result.outlineMillis), formatRatio(whole / outline)],
        ['search within the execution: a phrase of 1 step, fetched + parsed', formatFixed(rareSearch, 0), range(result.rareSearchMillis), ''],
        [`search within the execution: a word of ${result.commonSearchMatches.toLocaleString('en-US')} steps (${formatBytes(result.commonSearchBytes)}), fetched + parsed`, formatFixed(commonSearch, 0), range(result.commonSearchMillis), ''],
      ],
      notes: [
        `first rows < ${TARGET_MILLIS} ms (issue 8; the old page took 6.9–7.6 s): ${verdict(firstRows, TARGET_MILLIS, false)}`,
        `page load from the URL < ${TARGET_MILLIS} ms, host start-up included: ${verdict(pageLoad, TARGET_MILLIS, false)}`,
        `seeded in ${formatFixed(result.seedSeconds, 1)} s through OTLP/HTTP JSON (not part of any figure); "vs baseline" is how many times faster than the baseline`,
      ],
    },
  ];
  return { tables, record };
}
