#!/usr/bin/env node
/**
 * X-Ray benchmarks. Never part of the test suite: they print numbers, and
 * ratios against a baseline measured in the same run on the same machine.
 *
 *   npm run bench                     every section (sdk, ingest, query, memory, admin-sql, overload, security, amplification, live, export, dedup, webhooks, plugin-timeline)
 *   npm run bench -- query --scale 10m   the PostgreSQL comparison at 10M steps (quick: 200k, 1m, 10m)
 *   npm run bench -- --quick          smaller sizes, a smoke run
 *   node bench/run.js ingest          one section (after `npm run build`)
 *   node bench/run.js ingest --profile   also CPU-profile the collector
 *
 * Progress goes to stderr; results go to stdout as tables, then one line
 * `BENCH_JSON {...}` with every number, for the record.
 */
import os from 'node:os';
import { renderTable, progress } from './lib/format.js';
import { runCleanups } from './lib/cleanup.js';

/** Sections in run order: sdk first, before the heap holds anything from the others. */
const SECTIONS = {
  sdk: async (options) => (await import('./sdk.js')).runSdk(options),
  ingest: async (options) => (await import('./ingest.js')).runIngest(options),
  query: async (options) => (await import('./compare.js')).runCompare(options),
  memory: async (options) => (await import('./memory.js')).runMemory(options),
  'admin-sql': async (options) => (await import('./admin-sql.js')).runAdminSql(options),
  overload: async (options) => (await import('./overload.js')).runOverload(options),
  security: async (options) => (await import('./security.js')).runSecurity(options),
  // The costliest bodies a client can send, against an SDK request of the same size.
  amplification: async (options) => (await import('./amplification.js')).runAmplification(options),
  live: async (options) => (await import('./live.js')).runLive(options),
  export: async (options) => (await import('./export.js')).runExport(options),
  // The earlier 1M-step query section: business-key index vs scan, timeline granules.
  'query-1m': async (options) => (await import('./query.js')).runQuery(options),
  dedup: async (options) => (await import('./dedup.js')).runDedup(options),
  webhooks: async (options) => (await import('./webhooks.js')).runWebhooks(options),
  // The Grafana app's Execution page in Chromium: first rows of 50,000 steps.
  'plugin-timeline': async (options) => (await import('./plugin-timeline.js')).runPluginTimeline(options),
};

const USAGE = `usage: node bench/run.js [${Object.keys(SECTIONS).join('|')} ...] [--quick] [--scale quick|1m|10m] [--runs N] [--profile]
  --quick    smaller sizes (a smoke run of a minute or two)
  --scale    steps in the query section's dataset (default quick: 200k; 1m; 10m as in issue 10)
  --runs     timed runs per query in the query section (default 7)
  --profile  CPU-profile the collector during the ingest section and list the top functions`;

function parseArgs(argv) {
  const options = { quick: false, profile: false, sections: [], scale: 'quick', runs: 7 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--scale' && i + 1 < argv.length) options.scale = argv[++i];
    else if (arg === '--runs' && i + 1 < argv.length) options.runs = Number(argv[++i]);
    else if (arg === '--profile') options.profile = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg in SECTIONS) options.sections.push(arg);
    else {
      process.stderr.write(`unknown argument ${JSON.stringify(arg)}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  if (options.sections.length === 0) options.sections = Object.keys(SECTIONS);
  // Always in the canonical order, whatever order they were asked in.
  options.sections = Object.keys(SECTIONS).filter((name) => options.sections.includes(name));
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const machine = {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart: os.loadavg()[0],
  };
  const startedAt = new Date();
  process.stdout.write(
    `X-Ray benchmarks ${options.quick ? '(quick) ' : ''}- ${startedAt.toISOString()} - node ${machine.node}, ` +
      `${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, load average ${machine.loadAverageAtStart.toFixed(2)}\n\n`,
  );
  const results = {};
  let failed = false;
  for (const name of options.sections) {
    const start = Date.now();
    progress(`section ${name}: start`);
    try {
      const { tables, record } = await SECTIONS[name](options);
      for (const table of tables) process.stdout.write(renderTable(table) + '\n');
      results[name] = { ...record, seconds: (Date.now() - start) / 1000 };
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`[bench] section ${name} failed: ${message}\n`);
      process.stdout.write(`== ${name}: FAILED (${error instanceof Error ? error.message.split('\n')[0] : String(error)})\n\n`);
      results[name] = { failed: true, error: error instanceof Error ? error.message : String(error) };
    }
    // Release what one section held before the next measures anything.
    runCleanups();
    progress(`section ${name}: done in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
  const totalSeconds = (Date.now() - startedAt.getTime()) / 1000;
  machine.loadAverageAtEnd = os.loadavg()[0];
  // Other work on the machine skews every number; say so rather than hide it.
  // (Only the start counts: by the end the load includes this run's own.)
  if (machine.loadAverageAtStart > machine.cpus * 0.5) {
    process.stdout.write(
      `note: the 1-minute load average was ${machine.loadAverageAtStart.toFixed(2)} on ${machine.cpus} cores when the run started; ` +
        'other processes were competing with it, so treat the numbers with care\n',
    );
  }
  process.stdout.write(`total ${totalSeconds.toFixed(0)} s\n`);
  process.stdout.write(
    `BENCH_JSON ${JSON.stringify({ startedAt: startedAt.toISOString(), quick: options.quick, machine, totalSeconds, sections: results })}\n`,
  );
  process.exitCode = failed ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error instanceof Error ? error.stack : String(error)}\n`);
  runCleanups();
  process.exit(1);
});
