/** `xray stats`: execution count, failure rate and durations, and failure rate per time bucket. */
import { expectPositionals, parseInterval, parseTimeRange, stringOption, TIME_WINDOW_OPTIONS } from '../args.js';
import type { FailureRateResponse, SummaryResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { renderStats } from '../format/stats-report.js';

export const statsCommand: Command = {
  name: 'stats',
  synopsis: 'stats [filters]',
  summary: 'Execution count, failure rate, avg/p50/p95 duration, failure rate over time',
  help: `Usage: xray stats [--pipeline <name>] [--environment <env>] [--since <duration>]

Summary numbers for a window (default: the last 7 days, like every command)
and the failure rate per time bucket, per pipeline.

Options:
  --pipeline <name>       only this pipeline
  --environment <env>     only this environment
  --since <duration>      the last 30m, 1h, 2d, 1w
  --from <time>, --to <time>   the window: ISO 8601 (UTC unless a zone is given) or unix milliseconds
  --interval <width>      bucket width such as 5m, 1h, 1d, 1w (default: about 60 buckets)

Examples:
  xray stats --since 1h
  xray stats --pipeline loan-approval --since 7d --interval 1d`,
  options: {
    pipeline: { type: 'string' },
    environment: { type: 'string' },
    ...TIME_WINDOW_OPTIONS,
    interval: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'stats');
    const now = context.nowMillis();
    const range = parseTimeRange(values, 'stats', now);
    const interval = parseInterval(stringOption(values, 'interval'), 'stats');
    // Pin `to` so both calls cover the same window even if a second passes between them.
    const query = {
      pipeline: stringOption(values, 'pipeline'),
      environment: stringOption(values, 'environment'),
      from: range.from,
      to: range.to ?? String(now + 1),
    };
    const [summary, failureRate] = await Promise.all([
      context.client.get<SummaryResponse>('/api/v1/stats/summary', { auth: 'app', query }),
      context.client.get<FailureRateResponse>('/api/v1/stats/failure-rate', {
        auth: 'app',
        query: { ...query, interval },
      }),
    ]);
    context.out(context.json ? toJson({ summary, failureRate }) : renderStats(summary, failureRate, { colors: context.colors, timeZone: context.timeZone }));
  },
};
