/**
 * `xray tail`: follows GET /api/v1/executions/stream and prints each stored
 * execution as it arrives. When the connection drops (or the app holds too
 * many streams) it waits and reconnects with the last event's id, so nothing
 * stored in between is missed.
 */
import { EXECUTION_FILTER_OPTIONS, executionFilterQuery, expectPositionals, stringOption } from '../args.js';
import type { ExecutionSummary } from '../api-types.js';
import type { Command, CommandContext } from '../command.js';
import { ApiError, UnreachableError, UsageError } from '../errors.js';
import { LIVE_HEADER, renderLiveLine } from '../format/live-line.js';
import { readSse } from '../sse-reader.js';

const DEFAULT_RETRY_MILLIS = 2000;

function parseMaxEvents(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`--max-events must be a whole number above 0, got ${JSON.stringify(value)}`, 'tail');
  return Number(value);
}

const notice = (context: CommandContext, text: string) => context.err?.(`${context.colors.dim(text)}\n`);

export const tailCommand: Command = {
  name: 'tail',
  synopsis: 'tail [filters]',
  summary: 'Follow executions live as they are stored (reconnects by itself)',
  help: `Usage: xray tail [filters] [--max-events <n>] [--json]

Print executions as the collector stores them, newest last, until interrupted
(Ctrl-C). A dropped connection is resumed from the last execution printed, so
nothing stored meanwhile is missed.

Filters (as for xray executions):
  --where <key=value>     only executions carrying this attribute or metadata key (repeatable)
  --pipeline <name>       only this pipeline
  --status <status>       completed | failed
  --environment <env>     only this environment
  --step <name>           only executions with a step of this name
  --search <words>        only executions with a step matching this search (as xray steps --search:
                          reasoning, error message, input, output; prefixes, "phrases")

Options:
  --max-events <n>        stop after n executions
  --after <eventId>       start after this event id (printed with --json) instead of now
  --json                  one JSON object per line: {"id", "execution"}

Examples:
  xray tail --status failed
  xray tail --pipeline loan-approval --json | jq .execution.executionId`,
  options: {
    ...EXECUTION_FILTER_OPTIONS,
    'max-events': { type: 'string' },
    after: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'tail');
    const maxEvents = parseMaxEvents(stringOption(values, 'max-events'));
    const query = executionFilterQuery(values);
    const sleep = context.sleep ?? ((millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis)));
    let lastEventId = stringOption(values, 'after');
    let retryMillis = DEFAULT_RETRY_MILLIS;
    let connectedOnce = false;
    let printed = 0;
    if (!context.json) context.out(context.colors.bold(LIVE_HEADER));

    for (;;) {
      const controller = new AbortController();
      let response: Response;
      try {
        response = await context.client.open('/api/v1/executions/stream', {
          auth: 'app',
          query,
          headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: controller.signal,
        });
      } catch (error) {
        const transient = (error instanceof ApiError && error.retryable) || (error instanceof UnreachableError && connectedOnce);
        if (!transient) throw error;
        notice(context, `${error instanceof ApiError ? `${error.code}: ${error.message}` : error.message}; retrying in ${retryMillis / 1000} s`);
        await sleep(retryMillis);
        continue;
      }
      connectedOnce = true;
      try {
        for await (const message of readSse(response.body!)) {
          if (message.type === 'retry') retryMillis = Number(message.data);
          else if (message.type === 'gap') notice(context, `some executions were skipped: ${JSON.parse(message.data).message}`);
          else if (message.type === 'error') notice(context, `the collector ended the stream: ${JSON.parse(message.data).message}`);
          if (message.type !== 'execution') continue;
          lastEventId = message.id;
          const execution = JSON.parse(message.data) as ExecutionSummary;
          context.out(context.json ? JSON.stringify({ id: message.id, execution }) : renderLiveLine(execution, { colors: context.colors, timeZone: context.timeZone }));
          printed++;
          if (maxEvents !== undefined && printed >= maxEvents) {
            controller.abort();
            return;
          }
        }
      } catch {
        // The connection broke; reconnect below.
      }
      notice(context, `stream closed; reconnecting in ${retryMillis / 1000} s${lastEventId ? ' from the last execution printed' : ''}`);
      await sleep(retryMillis);
    }
  },
};
