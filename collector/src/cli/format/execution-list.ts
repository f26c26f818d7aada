/**
 * `xray executions` and `xray steps` as tables, with the hint for the next
 * page. Pure: the command fetches, these only draw.
 */
import type { ExecutionListResponse, Step, StepSearchResponse } from '../api-types.js';
import { colorStatus } from './colors.js';
import type { Colors } from './colors.js';
import { formatDuration } from './duration.js';
import { formatCost, formatCount } from './money.js';
import { UTC, formatTimestamp } from './time-zone.js';
import { renderTable } from './table.js';
import type { Column } from './table.js';

export interface ListOptions {
  colors: Colors;
  /** Terminal width; undefined when piped. */
  maxWidth?: number;
  /** The zone times are shown in (named in the TIME header); UTC by default. */
  timeZone?: string;
  /** The command line chose the window, so the hint about the default window does not apply. */
  explicitWindow?: boolean;
}

type ExecutionRow = ExecutionListResponse['executions'][number];

/** The empty-result line: the default-window hint only when the default window was used. */
function noMatches(what: string, options: ListOptions): string {
  const hint = options.explicitWindow ? '' : ` (the default window is the last 7 days; --since or --from widen it)`;
  return options.colors.dim(`No ${what} match${hint}.`);
}

const timeHeader = (options: ListOptions) => `TIME (${options.timeZone ?? UTC})`;

export function nextPageHint(cursor: string | null, colors: Colors): string[] {
  return cursor ? ['', colors.dim(`More results: repeat the command with --cursor ${cursor}`)] : [];
}

/**
 * @example
 * ctx.out(renderExecutionList(await client.get('/api/v1/executions', …), { colors }));
 */
export function renderExecutionList(page: ExecutionListResponse, options: ListOptions): string {
  const { colors } = options;
  if (page.executions.length === 0) {
    return noMatches('executions', options);
  }
  const columns: Column<ExecutionRow>[] = [
    { header: timeHeader(options), value: (e) => formatTimestamp(e.startTime, { zone: options.timeZone }) },
    { header: 'ID', value: (e) => e.executionId },
    { header: 'PIPELINE', value: (e) => e.pipeline || '-', shrink: true },
    { header: 'ENV', value: (e) => e.environment || '-', shrink: true, minWidth: 4 },
    { header: 'STATUS', value: (e) => e.status || '-', style: (text, e) => colorStatus(colors, e.status, text) },
    { header: 'STEPS', value: (e) => String(e.stepCount), align: 'right' },
    { header: 'ERRORS', value: (e) => String(e.errorCount), align: 'right', style: (text, e) => (e.errorCount > 0 ? colors.red(text) : text) },
    { header: 'DURATION', value: (e) => formatDuration(e.durationMs), align: 'right' },
  ];
  // Token and cost columns only when some execution of the page used a model.
  const usage = page.executions.some((e) => (e.inputTokens ?? 0) + (e.outputTokens ?? 0) > 0 || (e.costUsd ?? 0) > 0);
  if (usage) {
    columns.push(
      { header: 'TOKENS', value: (e) => ((e.inputTokens ?? 0) + (e.outputTokens ?? 0) > 0 ? formatCount((e.inputTokens ?? 0) + (e.outputTokens ?? 0)) : '-'), align: 'right' },
      { header: 'COST', value: (e) => formatCost(e.costUsd ?? 0, e.estimatedCostUsd ?? 0), align: 'right' },
    );
  }
  const estimated = page.executions.some((e) => (e.estimatedCostUsd ?? 0) > 0);
  return [
    renderTable(columns, page.executions, options),
    ...(estimated ? ['', colors.dim('~ cost partly estimated from the price table (XRAY_PRICE_TABLE)')] : []),
    ...nextPageHint(page.nextCursor, colors),
  ].join('\n');
}

/** A failed step shows its error; any other its reasoning. */
function stepNote(step: Step): string {
  if (step.error) return `${step.error.type ? `${step.error.type}: ` : ''}${step.error.message}`;
  return step.reasoning;
}

type Snippet = NonNullable<StepSearchResponse['steps'][number]['snippet']>;
/** A step of a search page; the snippet is there when the search had words. */
type StepHit = Step & { snippet?: Snippet | null };

/**
 * A search hit's snippet on one line: `field: …text…` with each match
 * between « and » (the markers survive a shrunk column and a pipe; with
 * colors they become bold yellow).
 *
 * @example
 * markedSnippet({ field: 'reasoning', text: 'below the threshold', highlights: [[10, 16]], clippedStart: false, clippedEnd: false });
 * // 'reasoning: below the «thresh»old'
 */
export function markedSnippet(snippet: Snippet): string {
  let text = '';
  let at = 0;
  for (const [start, end] of snippet.highlights) {
    text += `${snippet.text.slice(at, start)}«${snippet.text.slice(start, end)}»`;
    at = end;
  }
  text += snippet.text.slice(at);
  const line = `${snippet.clippedStart ? '…' : ''}${text}${snippet.clippedEnd ? '…' : ''}`.replace(/\s+/g, ' ');
  return `${snippet.field}: ${line}`;
}

/** The « » marks of markedSnippet as colors (an unclosed mark, cut by a shrunk column, runs to the end). */
function colorMarks(colors: Colors, text: string): string {
  if (!colors.enabled) return text;
  return text.replace(/«([^»]*)(»|$)/g, (_, inner: string) => colors.bold(colors.yellow(inner)));
}

export function renderStepList(page: { steps: StepHit[]; nextCursor: string | null }, options: ListOptions): string {
  const { colors } = options;
  if (page.steps.length === 0) {
    return noMatches('steps', options);
  }
  const searched = page.steps.some((s) => s.snippet);
  const columns: Column<StepHit>[] = [
    { header: timeHeader(options), value: (s) => formatTimestamp(s.startTime, { zone: options.timeZone }) },
    { header: 'EXECUTION', value: (s) => s.executionId },
    { header: 'STEP', value: (s) => s.name, shrink: true },
    { header: 'PIPELINE', value: (s) => s.pipeline || '-', shrink: true },
    { header: 'STATUS', value: (s) => s.status || '-', style: (text, s) => colorStatus(colors, s.error ? 'failed' : s.status, text) },
    { header: 'DURATION', value: (s) => formatDuration(s.durationMs), align: 'right' },
    searched
      ? {
          header: 'MATCH',
          value: (s) => (s.snippet ? markedSnippet(s.snippet) : stepNote(s)),
          shrink: true,
          minWidth: 12,
          style: (text) => colorMarks(colors, text),
        }
      : {
          header: 'REASONING / ERROR',
          value: stepNote,
          shrink: true,
          minWidth: 12,
          style: (text, s) => (s.error ? colors.red(text) : colors.dim(text)),
        },
  ];
  return [renderTable(columns, page.steps, options), ...nextPageHint(page.nextCursor, colors)].join('\n');
}
