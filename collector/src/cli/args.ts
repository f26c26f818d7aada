/**
 * Command-line parsing on node:util parseArgs: find the command among the
 * words (global options may come before or after it), parse its flags
 * strictly, and check flag values (limits, durations, times) before anything
 * is sent. Every problem becomes a UsageError (exit code 2).
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { DURATION_EXAMPLES, parseDurationSeconds, parseInstant } from '../time/index.js';
import { UsageError } from './errors.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'admin-token': { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
  utc: { type: 'boolean' },
  'no-pager': { type: 'boolean' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export interface CommandLine {
  /** The first word that is not an option or an option's value; undefined when there is none. */
  command: string | undefined;
  positionals: string[];
  values: OptionValues;
}

/**
 * The one form of every flag error: `--<flag> must be <what is expected>, got "<value>"`.
 * Commands (and commands added later) build theirs with this.
 *
 * @example
 * throw flagError('limit', 'a whole number from 1 to 500', '-5', 'executions');
 * // xray executions: --limit must be a whole number from 1 to 500, got "-5"
 */
export function flagError(flag: string, expected: string, value: string, command: string | undefined): UsageError {
  return new UsageError(`--${flag} must be ${expected}, got ${JSON.stringify(value)}`, command);
}

/** parseArgs' own messages (a fallback; normalizeFlags catches the usual mistakes first) end in advice about `--` that does not fit. */
function toUsageError(error: unknown, command: string | undefined): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0].replace(/\.$/, '');
  return new UsageError(first.charAt(0).toLowerCase() + first.slice(1), command);
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof TypeError && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * Checks the flags against the command's before parseArgs sees them, so the
 * usual mistakes get the same message form: an unknown flag, a flag without
 * its value. A value that starts with "-" (`--limit -5`) is kept as the
 * flag's value (parseArgs would call it ambiguous), so the flag's own check
 * can say what is wrong with it.
 */
export function normalizeFlags(tokens: string[], options: OptionSpecs, command: string | undefined): string[] {
  const shortNames = new Map(Object.entries(options).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  const isFlag = (token: string) => {
    if (token.startsWith('--')) return Object.hasOwn(options, token.slice(2).split('=')[0]);
    return /^-[A-Za-z]$/.test(token) && shortNames.has(token.slice(1));
  };
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === '--') {
      out.push(...tokens.slice(i));
      break;
    }
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
      out.push(token);
      continue;
    }
    const name = token.startsWith('--') ? token.slice(2).split('=')[0] : shortNames.get(token.slice(1));
    if (name === undefined || !Object.hasOwn(options, name)) {
      throw new UsageError(`unknown flag ${token.split('=')[0]}`, command);
    }
    const spec = options[name];
    if (spec.type === 'boolean') {
      if (token.includes('=')) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(token.slice(token.indexOf('=') + 1))}`, command);
      out.push(token);
      continue;
    }
    if (token.includes('=')) {
      out.push(token);
      continue;
    }
    const value = tokens[i + 1];
    if (value === undefined || isFlag(value) || value === '--') throw new UsageError(`--${name} needs a value`, command);
    out.push(`--${name}=${value}`);
    i++;
  }
  return out;
}

/**
 * Where the command word is: skips options and, for options that take a
 * value (`--url x`), that value, so `xray --url http://h:1 executions` works.
 */
export function findCommandIndex(argv: string[], takesValue: (name: string) => boolean): number {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return i + 1 < argv.length ? i + 1 : -1;
    if (token.startsWith('--')) {
      if (!token.includes('=') && takesValue(token.slice(2))) i++;
    } else if (token.startsWith('-') && token.length > 1) {
      // Short flags are all boolean (-h).
    } else {
      return i;
    }
  }
  return -1;
}

/**
 * @example
 * parseCommandLine(['executions', '--status', 'failed'], { executions: { status: { type: 'string' } } });
 * // { command: 'executions', positionals: [], values: { status: 'failed' } }
 */
export function parseCommandLine(argv: string[], commands: Record<string, OptionSpecs>): CommandLine {
  const all: OptionSpecs = { ...GLOBAL_OPTIONS };
  for (const options of Object.values(commands)) Object.assign(all, options);
  const index = findCommandIndex(argv, (name) => all[name]?.type === 'string');
  const command = index === -1 ? undefined : argv[index];
  const rest = index === -1 ? argv : [...argv.slice(0, index), ...argv.slice(index + 1)];
  // An unknown command is reported as such (by the caller), not as an unknown flag.
  const known = command !== undefined && Object.hasOwn(commands, command);
  const options = known ? { ...GLOBAL_OPTIONS, ...commands[command] } : GLOBAL_OPTIONS;
  try {
    const args = known || command === undefined ? normalizeFlags(rest, options, command) : rest;
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: known || command === undefined });
    return { command, positionals: parsed.positionals, values: parsed.values as OptionValues };
  } catch (error) {
    if (isParseArgsError(error)) throw toUsageError(error, command);
    throw error;
  }
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** `--limit`: a whole number the API accepts (1 to 500). */
export function parseLimit(value: string | undefined, command: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 500) {
    throw flagError('limit', 'a whole number from 1 to 500', value, command);
  }
  return Number(value);
}

/**
 * `--since 90s|30m|1h|2d|1w` as milliseconds: the duration grammar the API's
 * `interval` uses too (src/time/duration.ts).
 *
 * @example
 * parseSince('30m', 'stats'); // 1_800_000
 */
export function parseSince(value: string, command: string): number {
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds === 0) throw flagError('since', `a positive duration such as ${DURATION_EXAMPLES}`, value, command);
  return seconds * 1000;
}

/** `--interval`: a bucket width in the same grammar, passed to the API as written. */
export function parseInterval(value: string | undefined, command: string): string | undefined {
  if (value === undefined) return undefined;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < 60) throw flagError('interval', 'a duration of at least 1m such as 5m, 1h, 1d or 1w', value, command);
  return value.trim();
}

/** `--from`/`--to`: the API's time grammar (src/time/instant.ts), checked here; returned as unix milliseconds. */
export function parseTime(value: string, flag: string, command: string): number {
  const parsed = parseInstant(value);
  if (!parsed.ok) {
    const expected = 'an ISO 8601 time (2024-05-01T12:00:00Z; UTC unless a zone is given) or unix milliseconds';
    const error = flagError(flag, expected, value, command);
    // The generic problem repeats what is expected; the others (seconds, range, calendar) add to it.
    throw parsed.problem.startsWith('is not an ISO') ? error : new UsageError(`${error.message} (${parsed.problem})`, command);
  }
  return parsed.millis;
}

/** True when the command line chose the window (--since, --from or --to), so the default-window hint does not apply. */
export function hasExplicitWindow(values: OptionValues): boolean {
  return ['since', 'from', 'to'].some((name) => stringOption(values, name) !== undefined);
}

/** The options parseTimeRange reads: --since, or --from and --to. */
export const TIME_WINDOW_OPTIONS = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const satisfies OptionSpecs;

/**
 * The `from`/`to` query parameters from --since or --from/--to; empty when
 * none is given, so the API's default window applies.
 */
export function parseTimeRange(values: OptionValues, command: string, nowMillis: number): { from?: string; to?: string } {
  const since = stringOption(values, 'since');
  const from = stringOption(values, 'from');
  const to = stringOption(values, 'to');
  if (since !== undefined && (from !== undefined || to !== undefined)) {
    throw new UsageError('use either --since or --from/--to, not both', command);
  }
  if (since !== undefined) return { from: String(nowMillis - parseSince(since, command)) };
  const range: { from?: string; to?: string } = {};
  if (from !== undefined) range.from = String(parseTime(from, 'from', command));
  if (to !== undefined) range.to = String(parseTime(to, 'to', command));
  if (range.from !== undefined && range.to !== undefined && Number(range.from) >= Number(range.to)) {
    throw new UsageError(`--from must be before --to, got ${JSON.stringify(from)} and ${JSON.stringify(to)}`, command);
  }
  return range;
}

/** Exactly these positional arguments, by name for the error message. */
export function expectPositionals(positionals: string[], names: string[], command: string): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing <${names[positionals.length]}>`, command);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`, command);
  }
  return positionals;
}

/** The flags of every paged, time-windowed listing (executions, steps). */
export const PAGED_WINDOW_OPTIONS = {
  since: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const satisfies OptionSpecs;

/** The query parameters of PAGED_WINDOW_OPTIONS, checked: the window, the page size and the cursor. */
export function pagedWindowQuery(
  values: OptionValues,
  command: string,
  nowMillis: number,
): { from?: string; to?: string; limit?: number; cursor?: string } {
  return {
    ...parseTimeRange(values, command, nowMillis),
    limit: parseLimit(stringOption(values, 'limit'), command),
    cursor: stringOption(values, 'cursor'),
  };
}

/** The filters of `xray executions`, shared by the commands that take the list's filters (tail, export). */
export const EXECUTION_FILTER_OPTIONS = {
  where: { type: 'string', multiple: true },
  pipeline: { type: 'string' },
  status: { type: 'string' },
  environment: { type: 'string' },
  step: { type: 'string' },
  search: { type: 'string' },
} as const satisfies OptionSpecs;

/** The API's query parameters for EXECUTION_FILTER_OPTIONS. */
export function executionFilterQuery(values: OptionValues): Record<string, string | string[] | undefined> {
  return {
    where: whereOption(values, 'executions'),
    pipeline: stringOption(values, 'pipeline'),
    status: stringOption(values, 'status'),
    environment: stringOption(values, 'environment'),
    step: stringOption(values, 'step'),
    q: stringOption(values, 'search'),
  };
}

/**
 * `--where key=value` (repeatable): checked here so a typo is a usage error, not a round trip.
 *
 * @example
 * whereOption({ where: ['applicantId=A-1042'] }, 'executions'); // ['applicantId=A-1042']
 */
export function whereOption(values: OptionValues, command: string): string[] | undefined {
  const value = values.where;
  const pairs = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  for (const pair of pairs) {
    if (pair.indexOf('=') < 1) throw new UsageError(`--where must be key=value, e.g. applicantId=A-1042, got ${JSON.stringify(pair)}`, command);
  }
  return pairs.length > 0 ? pairs : undefined;
}
