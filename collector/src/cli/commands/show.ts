/** `xray show <executionId>`: one execution as a timeline of its steps. */
import { expectPositionals } from '../args.js';
import type { ExecutionResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderTimeline } from '../format/timeline.js';

export const showCommand: Command = {
  name: 'show',
  synopsis: 'show <executionId>',
  summary: 'Show one execution as a timeline: steps, timing, reasoning, errors',
  help: `Usage: xray show <executionId> [--verbose]

Print one execution as a timeline: each step indented under its parent, a bar
for when it ran within the execution, ✓ or ✗, its duration, its reasoning
and, for a failed step, its error.

Options:
  --verbose               also print each step's input, output, model and stack
                          (long values are cut; --json prints everything)

Examples:
  xray show 4bf92f3577b34da6a3ce929d0e0e4736
  xray show 4bf92f3577b34da6a3ce929d0e0e4736 --verbose`,
  options: {
    verbose: { type: 'boolean' },
  },
  async run(context, { positionals, values }) {
    const [executionId] = expectPositionals(positionals, ['executionId'], 'show');
    const detail = await context.client.get<ExecutionResponse>(`/api/v1/executions/${encodeURIComponent(executionId)}`, { auth: 'app' });
    if (context.json) {
      context.out(toJson(detail));
      return;
    }
    context.out(renderTimeline(detail, { colors: context.colors, width: context.layoutWidth, verbose: values.verbose === true }));
  },
};
