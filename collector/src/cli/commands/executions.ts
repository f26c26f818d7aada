/** `xray executions`: list and search executions, newest first. */
import { EXECUTION_FILTER_OPTIONS, PAGED_WINDOW_OPTIONS, executionFilterQuery, expectPositionals, hasExplicitWindow, pagedWindowQuery } from '../args.js';
import type { ExecutionListResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderExecutionList } from '../format/execution-list.js';

export const executionsCommand: Command = {
  name: 'executions',
  synopsis: 'executions [filters]',
  summary: 'List executions, newest first (filter by pipeline, status, step, search words, time)',
  help: `Usage: xray executions [filters]

List executions, newest first.

Filters:
  --where <key=value>     only executions carrying this attribute or metadata key
                          (repeatable, all must hold), e.g. applicantId=A-1042
  --pipeline <name>       only this pipeline
  --status <status>       completed | failed | unfinished
  --environment <env>     only this environment
  --step <name>           only executions with a step of this name
  --search <words>        only executions with a step matching this search (as xray steps --search:
                          reasoning, error message, input, output; prefixes, "phrases")
  --since <duration>      the last 30m, 1h, 2d, 1w (default: the last 7 days)
  --from <time>           start of the window: ISO 8601 (UTC unless a zone is given) or unix milliseconds
  --to <time>             end of the window
  --limit <n>             rows per page, 1 to 500 (default 50)
  --cursor <cursor>       the next page, as printed under the previous one

Examples:
  xray executions --status failed --since 1h
  xray executions --where applicantId=A-1042
  xray executions --pipeline loan-approval --search "credit score"`,
  options: {
    ...EXECUTION_FILTER_OPTIONS,
    ...PAGED_WINDOW_OPTIONS,
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'executions');
    const page = await context.client.get<ExecutionListResponse>('/api/v1/executions', {
      auth: 'app',
      query: {
        ...executionFilterQuery(values),
        ...pagedWindowQuery(values, 'executions', context.nowMillis()),
      },
    });
    context.out(
      context.json
        ? toJson(page)
        : renderExecutionList(page, {
            colors: context.colors,
            maxWidth: context.terminalWidth,
            timeZone: context.timeZone,
            explicitWindow: hasExplicitWindow(values),
          }),
    );
  },
};
