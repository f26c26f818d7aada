/** `xray steps`: search steps across executions by name, status and words of their reasoning, error, input and output. */
import { PAGED_WINDOW_OPTIONS, expectPositionals, hasExplicitWindow, pagedWindowQuery, stringOption, whereOption } from '../args.js';
import type { StepSearchResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderStepList } from '../format/execution-list.js';

export const stepsCommand: Command = {
  name: 'steps',
  synopsis: 'steps [filters]',
  summary: 'Search steps across executions by name, status and words of reasoning, errors, input, output',
  help: `Usage: xray steps [filters]

Search steps across executions, newest first.

Filters:
  --where <key=value>     only steps carrying this attribute, or whose execution carries it
                          as an attribute or metadata key (repeatable)
  --name <step>           only steps of this name
  --status <status>       completed | failed | unfinished
  --search <words>        only steps where every word appears in the reasoning, error message,
                          input or output: a word prefix in reasoning and errors (thresh finds
                          threshold), a whole word in input and output; "quoted words" together,
                          in order. Each hit shows where it matched, the match between « and »
  --pipeline <name>       only this pipeline
  --environment <name>    only this environment
  --since <duration>      the last 30m, 1h, 2d, 1w (default: the last 7 days)
  --from <time>, --to <time>   the window: ISO 8601 or unix milliseconds
  --limit <n>             rows per page, 1 to 500 (default 50)
  --cursor <cursor>       the next page, as printed under the previous one

Examples:
  xray steps --name check_approval_rules --status failed
  xray steps --search thresh --since 1d
  xray steps --search '"credit score below"' --status failed`,
  options: {
    where: { type: 'string', multiple: true },
    name: { type: 'string' },
    status: { type: 'string' },
    search: { type: 'string' },
    pipeline: { type: 'string' },
    environment: { type: 'string' },
    ...PAGED_WINDOW_OPTIONS,
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'steps');
    const page = await context.client.get<StepSearchResponse>('/api/v1/steps', {
      auth: 'app',
      query: {
        name: stringOption(values, 'name'),
        status: stringOption(values, 'status'),
        q: stringOption(values, 'search'),
        where: whereOption(values, 'steps'),
        pipeline: stringOption(values, 'pipeline'),
        environment: stringOption(values, 'environment'),
        ...pagedWindowQuery(values, 'steps', context.nowMillis()),
      },
    });
    context.out(
      context.json
        ? toJson(page)
        : renderStepList(page, {
            colors: context.colors,
            maxWidth: context.terminalWidth,
            timeZone: context.timeZone,
            explicitWindow: hasExplicitWindow(values),
          }),
    );
  },
};
