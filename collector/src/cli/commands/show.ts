/**
 * `xray show <executionId>`: one execution as a timeline of its steps. A
 * short id prefix is resolved (as git resolves short hashes): one match is
 * shown, several are listed so the user can pick.
 */
import { expectPositionals, flagError, stringOption } from '../args.js';
import type { ExecutionListResponse, ExecutionResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command, CommandContext } from '../command.js';
import { ApiError, CliError } from '../errors.js';
import { formatTimestamp } from '../format/time-zone.js';
import { renderTimeline } from '../format/timeline.js';
import type { TimelineFilter } from '../format/timeline.js';

/** Most candidates listed for an ambiguous prefix. */
const MAX_CANDIDATES = 10;

const executionPath = (id: string) => `/api/v1/executions/${encodeURIComponent(id)}`;

/**
 * The execution with this id, else the one execution whose id starts with
 * it; several matches are an error listing them.
 */
async function fetchExecution(context: CommandContext, id: string): Promise<ExecutionResponse> {
  try {
    return await context.client.get<ExecutionResponse>(executionPath(id), { auth: 'app' });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'XRAY_ERR_NOT_FOUND') throw error;
    // Every stored execution, not just the default window: an id is looked up wherever it is.
    const page = await context.client.get<ExecutionListResponse>('/api/v1/executions', {
      auth: 'app',
      query: { idPrefix: id, from: '0', limit: MAX_CANDIDATES + 1 },
    });
    const candidates = page.executions;
    if (candidates.length === 0) throw error;
    if (candidates.length === 1) return context.client.get<ExecutionResponse>(executionPath(candidates[0].executionId), { auth: 'app' });
    const shown = candidates.slice(0, MAX_CANDIDATES).map(
      (candidate) =>
        `  ${candidate.executionId}  ${formatTimestamp(candidate.startTime, { zone: context.timeZone })} ${context.timeZone}  ${candidate.pipeline || '-'}  ${candidate.status}`,
    );
    const more = candidates.length > MAX_CANDIDATES ? `\n  … and more` : '';
    throw new CliError(`The id prefix ${JSON.stringify(id)} matches ${candidates.length > MAX_CANDIDATES ? 'more than 10' : candidates.length} executions:\n${shown.join('\n')}${more}`, {
      hint: 'Give more characters of the id.',
    });
  }
}

function parseDepth(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw flagError('depth', 'a whole number from 1 to 1000', value, 'show');
  return Number(value);
}

export const showCommand: Command = {
  name: 'show',
  synopsis: 'show <executionId>',
  summary: 'Show one execution as a timeline: steps, timing, reasoning, errors',
  help: `Usage: xray show <executionId or a unique prefix of it> [--failed] [--depth <n>] [--step <pattern>] [--verbose]

Print one execution as a timeline: a header with its outcome, metadata and
totals (duration, tokens, cost), then each step indented under its parent, a
bar for when it ran within the execution, ✓ or ✗, its duration, its reasoning
and, for a failed step, its error. Output taller than the terminal goes
through the pager (PAGER, else less; --no-pager to turn it off).

Options:
  --failed                only failed steps (with their parents, for context)
  --depth <n>             only n levels of steps: 1 shows the top-level steps
  --step <pattern>        only steps whose name matches (with their parents):
                          a substring, or a glob with * and ?; case-insensitive
  --verbose               also print each step's input, output, model and stack,
                          and the outcome and metadata in full
                          (long values are cut; --json prints everything)

A short id (the first characters, as printed by "xray executions") is enough
when only one execution starts with it; otherwise the candidates are listed.

Examples:
  xray show 4bf92f3577b34da6a3ce929d0e0e4736
  xray show 4bf92f35 --failed
  xray show 4bf92f35 --depth 2 --step "llm_*"
  xray show 4bf92f3577b34da6a3ce929d0e0e4736 --verbose`,
  options: {
    verbose: { type: 'boolean' },
    failed: { type: 'boolean' },
    depth: { type: 'string' },
    step: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const [executionId] = expectPositionals(positionals, ['executionId'], 'show');
    const filter: TimelineFilter = {
      failedOnly: values.failed === true,
      maxDepth: parseDepth(stringOption(values, 'depth')),
      stepPattern: stringOption(values, 'step'),
    };
    if (filter.stepPattern !== undefined && filter.stepPattern.trim() === '') throw flagError('step', 'a name or a pattern such as "llm_*"', filter.stepPattern, 'show');
    const detail = await fetchExecution(context, executionId);
    if (context.json) {
      context.out(toJson(detail));
      return;
    }
    context.out(
      renderTimeline(detail, {
        colors: context.colors,
        width: context.layoutWidth,
        verbose: values.verbose === true,
        timeZone: context.timeZone,
        filter,
      }),
    );
  },
};
