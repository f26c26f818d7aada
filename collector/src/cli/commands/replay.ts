/**
 * `xray replay <executionId> --module <file>`: run a recorded execution's
 * steps again with the functions a module exports, each with its recorded
 * input, and say which step's output no longer matches. The comparison is the
 * SDK's `replayExecution`; this command fetches the execution, loads the
 * module and prints. Nothing is sent unless `--record`.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RecordedExecution } from '@xray/sdk';
import { expectPositionals, flagError, stringOption } from '../args.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { CliError, EXIT_FAILURE, UsageError } from '../errors.js';
import { renderReplayReport } from '../format/replay-report.js';
import { DURATION_EXAMPLES, parseDurationSeconds } from '../../time/index.js';

/** The module's step functions by step name: its function exports, then a default-exported object, then a `steps` object. */
export function stepFunctionsOf(module: Record<string, unknown>): Record<string, unknown> {
  const functions: Record<string, unknown> = {};
  const take = (source: unknown) => {
    if (source === null || typeof source !== 'object') return;
    for (const [name, value] of Object.entries(source)) if (typeof value === 'function') functions[name] = value;
  };
  take(module);
  take(module.default);
  take(module.steps);
  return functions;
}

async function loadModule(path: string, cwd: string | undefined): Promise<Record<string, unknown>> {
  const file = resolve(cwd ?? '.', path);
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(`Cannot load --module ${path} (${file}): ${error instanceof Error ? error.message : String(error)}`, {
      hint: 'The module must be JavaScript Node can import (ESM, or CommonJS through module.exports), exporting one function per step name.',
      cause: error,
    });
  }
}

export const replayCommand: Command = {
  name: 'replay',
  synopsis: 'replay <executionId> --module <file>',
  summary: 'Run an execution\'s steps again with your code and show which output changed',
  help: `Usage: xray replay <executionId> --module <file> [--record] [--step-timeout <duration>]

Debug a decision with today's code: fetch the execution, load <file>, and run
each recorded step whose name the module exports as a function, one at a
time in sequence order, with the input recorded for it. Each output is
compared with the recorded one (JSON path by path):

  =  match          the output is the same (or the step failed again)
  ~  output differs with the changes, recorded → now
  !  failed         the step threw where the recording did not, or the reverse
  -  skipped        the module has no function of that name

The output ends with the first diverging step; the command then exits 1, so
a replay can guard a fix in CI. A step function gets (input, { name,
sequence, recorded }) and may be async. The module exports functions named
like the steps, or a default object (or a "steps" object) of them, for names
that are not identifiers.

Nothing is sent to the collector unless --record: the replay is then recorded
as a new execution of the same pipeline, environment "replay", with
xray.replay_of=<executionId> (find replays with --where
xray.replay_of=<executionId>); that needs a key with the "ingest" scope.

Options:
  --module <file>   the JavaScript module with the step functions (required)
  --record          record the replay as a new execution linked to this one
  --step-timeout <duration>
                    give up on a step still running after this long and
                    count it as failed (default 30s; a synchronous endless
                    loop cannot be interrupted)

Examples:
  xray replay 4bf92f3577b34da6a3ce929d0e0e4736 --module ./loan-pipeline.mjs
  xray replay 4bf92f35 --module ./loan-pipeline.mjs --record
  xray replay exec-41 --module ./loan-pipeline.mjs --json`,
  options: {
    module: { type: 'string' },
    record: { type: 'boolean' },
    'step-timeout': { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const [executionId] = expectPositionals(positionals, ['executionId'], 'replay');
    const modulePath = stringOption(values, 'module');
    if (modulePath === undefined || modulePath.trim() === '') {
      throw new UsageError('--module must name the JavaScript file with the step functions, e.g. --module ./pipeline.mjs', 'replay');
    }
    const stepTimeout = stringOption(values, 'step-timeout');
    const stepTimeoutSeconds = stepTimeout === undefined ? 30 : parseDurationSeconds(stepTimeout);
    if (stepTimeoutSeconds === undefined || stepTimeoutSeconds <= 0) {
      throw flagError('step-timeout', `a positive duration such as ${DURATION_EXAMPLES}`, stepTimeout ?? '', 'replay');
    }
    const execution = await context.client.get<RecordedExecution>(`/api/v1/executions/${encodeURIComponent(executionId)}`, { auth: 'app' });
    const steps = stepFunctionsOf(await loadModule(modulePath, context.cwd));
    if (Object.keys(steps).length === 0) {
      throw new CliError(`--module ${modulePath} exports no functions`, { hint: 'Export one function per step name, e.g. export function decide(input) { … }.' });
    }

    // The SDK (and OpenTelemetry with it) is loaded only by this command.
    const { XRay, replayExecution } = await import('@xray/sdk');
    let record: InstanceType<typeof XRay> | undefined;
    if (values.record === true) {
      if (!context.collector) throw new CliError('--record needs the collector URL and an API key');
      record = new XRay({ endpoint: context.collector.url, apiKey: context.collector.apiKey().value, serviceName: 'xray-replay' });
    }
    try {
      const report = await replayExecution(execution, steps, { record, stepTimeoutMillis: stepTimeoutSeconds * 1000 });
      context.out(context.json ? toJson(report) : renderReplayReport(report, { colors: context.colors, modulePath }));
      if (report.recorded && report.recorded.flush.sent === 0) {
        throw new CliError(`The replay could not be recorded (${JSON.stringify(report.recorded.flush)}).`, {
          hint: 'Recording needs a key with the "ingest" scope; see `xray keys`.',
        });
      }
      if (report.firstDivergence !== null) context.setExitCode?.(EXIT_FAILURE);
    } finally {
      await record?.shutdown({ timeoutMillis: 10_000 });
    }
  },
};
