/** `xray cost`: tokens and cost of the steps with gen_ai usage, per pipeline, model or provider. */
import { expectPositionals, flagError, parseInterval, parseTimeRange, stringOption, TIME_WINDOW_OPTIONS } from '../args.js';
import type { CostResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderCostReport } from '../format/cost-report.js';

const GROUPS = ['pipeline', 'model', 'provider'];

export const costCommand: Command = {
  name: 'cost',
  synopsis: 'cost [--by pipeline|model|provider] [filters]',
  summary: 'Tokens and cost per pipeline, model or provider (reported, or estimated from the price table)',
  help: `Usage: xray cost [--by pipeline|model|provider] [filters]

Tokens and cost of the steps that carry gen_ai usage, summed per pipeline
(default), model or provider over a window (default: the last 7 days), most
expensive first, then the total. A cost the SDK did not send is estimated by
the collector from its price table (XRAY_PRICE_TABLE) when it knows the model:
such costs are marked ~ and summed in the ESTIMATED column.

Options:
  --by <group>            pipeline | model | provider (default: pipeline)
  --pipeline <name>       only this pipeline
  --model <name>          only this model
  --provider <name>       only this provider
  --environment <env>     only this environment
  --since <duration>      the last 30m, 1h, 2d, 1w
  --from <time>, --to <time>   the window: ISO 8601 (UTC unless a zone is given) or unix milliseconds
  --interval <width>      one row per bucket of this width (5m, 1h, 1d, 1w) and group

Examples:
  xray cost --since 1d
  xray cost --by model --pipeline loan-approval
  xray cost --by provider --since 7d --interval 1d`,
  options: {
    by: { type: 'string' },
    pipeline: { type: 'string' },
    model: { type: 'string' },
    provider: { type: 'string' },
    environment: { type: 'string' },
    ...TIME_WINDOW_OPTIONS,
    interval: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'cost');
    const by = stringOption(values, 'by') ?? 'pipeline';
    if (!GROUPS.includes(by)) throw flagError('by', GROUPS.join(' | '), by, 'cost');
    const range = parseTimeRange(values, 'cost', context.nowMillis());
    const interval = parseInterval(stringOption(values, 'interval'), 'cost');
    const report = await context.client.get<CostResponse>('/api/v1/stats/cost', {
      auth: 'app',
      query: {
        groupBy: by,
        pipeline: stringOption(values, 'pipeline'),
        model: stringOption(values, 'model'),
        provider: stringOption(values, 'provider'),
        environment: stringOption(values, 'environment'),
        from: range.from,
        to: range.to,
        // Without --interval only each group's totals are shown: the widest buckets keep the reply small.
        interval: interval ?? '366d',
      },
    });
    context.out(
      context.json
        ? toJson(report)
        : renderCostReport(report, { colors: context.colors, maxWidth: context.terminalWidth, timeZone: context.timeZone, perBucket: interval !== undefined }),
    );
  },
};
