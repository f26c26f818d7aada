/**
 * `xray export`: downloads GET /api/v1/export into a file. The bytes go to a
 * temporary file beside the target, renamed onto it only when the export
 * completed, so the target is never a silently truncated export. If the
 * export stops, the command says how far it got and prints the `--cursor`
 * that fetches the rest.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EXECUTION_FILTER_OPTIONS, executionFilterQuery, expectPositionals, parseTimeRange, stringOption, TIME_WINDOW_OPTIONS } from '../args.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { createExportTracker, toCursor } from '../export-tracker.js';
import type { ExportFormat } from '../export-tracker.js';
import { formatBytes } from '../format/bytes.js';
import { renderProgress } from '../format/progress-bar.js';

const FORMATS: readonly ExportFormat[] = ['ndjson', 'csv', 'json'];
const REDRAW_MILLIS = 100;

export const exportCommand: Command = {
  name: 'export',
  synopsis: 'export --out <file> [filters]',
  summary: 'Export executions (and their steps) to an NDJSON, CSV or JSON file',
  help: `Usage: xray export --out <file> [--format ndjson|csv|json] [--steps] [filters]

Download the executions the filters match, newest first, into <file>. With
--steps each execution carries its steps (CSV: one row per step). A progress
bar shows on stderr when it is a terminal. The file appears only when the
export is complete; if it stops, the command says where and how to fetch the
rest with --cursor.

Options:
  --out <file>            where to write (required)
  --format <format>       ndjson (default), csv or json
  --steps                 include steps
  --cursor <cursor>       continue after the execution an earlier export stopped at

Filters (as for xray executions):
  --where <key=value>, --pipeline, --status, --environment, --step, --search
  --since <duration>      the last 30m, 1h, 2d, 1w (default: the last 7 days)
  --from <time>, --to <time>

Examples:
  xray export --format csv --out failed.csv --status failed --since 1d
  xray export --steps --out loan.ndjson --pipeline loan-approval`,
  options: {
    ...EXECUTION_FILTER_OPTIONS,
    ...TIME_WINDOW_OPTIONS,
    cursor: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    steps: { type: 'boolean' },
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'export');
    const out = stringOption(values, 'out');
    if (!out) throw new UsageError('--out <file> is required', 'export');
    const format = (stringOption(values, 'format') ?? 'ndjson') as ExportFormat;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be ndjson, csv or json, got ${JSON.stringify(format)}`, 'export');
    const steps = values.steps === true;
    const range = parseTimeRange(values, 'export', context.nowMillis());
    const query = { ...executionFilterQuery(values), ...range, format, steps: steps ? 'true' : undefined, cursor: stringOption(values, 'cursor') };

    const response = await context.client.open('/api/v1/export', { auth: 'app', query });
    const estimate = Number(response.headers.get('x-xray-export-estimated-records') ?? 0);
    const partialPath = join(dirname(out), `.${basename(out)}.partial`);
    const file = createWriteStream(partialPath);
    const tracker = createExportTracker(format, { steps });
    const decoder = new TextDecoder();
    const started = context.nowMillis();
    const showProgress = context.stderrIsTTY === true && context.err !== undefined;
    let bytes = 0;
    let lastDraw = 0;
    const draw = (force = false) => {
      const now = context.nowMillis();
      if (!showProgress || (!force && now - lastDraw < REDRAW_MILLIS)) return;
      lastDraw = now;
      context.err!(`\r${renderProgress({ records: tracker.records, estimate, bytes, elapsedMillis: now - started })}`);
    };

    let failure: unknown;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        tracker.push(decoder.decode(chunk, { stream: true }));
        if (!file.write(chunk)) await once(file, 'drain');
        draw();
      }
    } catch (error) {
      failure = error;
    }
    file.end();
    await once(file, 'close');
    draw(true);
    if (showProgress) context.err!('\n');

    if (failure === undefined) {
      await rename(partialPath, out);
      context.out(`Exported ${tracker.records.toLocaleString('en-US')} ${format === 'csv' && steps ? 'steps' : 'executions'} (${formatBytes(bytes)}) to ${out}`);
      return;
    }
    const reason = failure instanceof Error ? (failure.cause instanceof Error ? failure.cause.message : failure.message) : String(failure);
    const where = tracker.lastComplete
      ? `The last complete execution is ${tracker.lastComplete.executionId}; fetch the rest with the same filters and --cursor ${toCursor(tracker.lastComplete)}`
      : 'No complete execution arrived; run the export again.';
    throw new CliError(
      `The export stopped after ${tracker.records.toLocaleString('en-US')} records (${formatBytes(bytes)}): ${reason}. ${out} was not written; what arrived is in ${partialPath} (its last record may be cut).`,
      { hint: where },
    );
  },
};
