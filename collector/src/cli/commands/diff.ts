/** `xray diff <a> <b>`: what changed between two executions. */
import { expectPositionals, stringOption } from '../args.js';
import type { CompareResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderExecutionDiff } from '../format/execution-diff.js';

export const diffCommand: Command = {
  name: 'diff',
  synopsis: 'diff <executionA> <executionB>',
  summary: 'Compare two executions: steps added, removed and changed',
  help: `Usage: xray diff <executionA> <executionB> [--all] [--duration-change <pct>]

Compare two executions of a pipeline. Steps are paired by name and place in
the step tree (a repeated name is counted: retry#1 is the second retry), then
listed as + added (only in B), - removed (only in A) or ~ changed, with what
changed: status, duration, input, output (JSON compared path by path),
reasoning, error.

Options:
  --all                     also list unchanged steps (=)
  --duration-change <pct>   a duration counts as changed from this percentage
                            of the larger one (default 20)

Examples:
  xray diff 4bf92f3577b34da6a3ce929d0e0e4736 9c1e0d2a7f4b4f0e8a6b5c4d3e2f1a0b
  xray diff exec-41 exec-42 --all --json`,
  options: {
    all: { type: 'boolean' },
    'duration-change': { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const [a, b] = expectPositionals(positionals, ['executionA', 'executionB'], 'diff');
    const pct = stringOption(values, 'duration-change');
    if (pct !== undefined && !(/^\d+(\.\d+)?$/.test(pct) && Number(pct) <= 100)) {
      throw new UsageError(`--duration-change must be a percentage from 0 to 100, got ${JSON.stringify(pct)}`, 'diff');
    }
    const result = await context.client.get<CompareResponse>('/api/v1/executions/compare', {
      auth: 'app',
      query: { a, b, durationChangePct: pct },
    });
    context.out(context.json ? toJson(result) : renderExecutionDiff(result, { colors: context.colors, all: values.all === true, timeZone: context.timeZone }));
  },
};
