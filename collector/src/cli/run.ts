/**
 * The CLI as a function: arguments and an environment in, text and an exit
 * code out. main.ts binds it to the process; tests call it directly with a
 * fake fetch. Every error is printed here, nowhere else.
 */
import { parseCommandLine } from './args.js';
import type { OptionSpecs } from './args.js';
import { createApiClient } from './client.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { ApiError, CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { createColors, shouldUseColor } from './format/colors.js';
import type { Colors } from './format/colors.js';
import { shouldPage } from './pager.js';
import { terminalSafe } from './format/text.js';
import { COLLECTOR_VERSION } from '../routes/version.js';
import { resolveSettings } from './settings.js';
import type { Settings } from './settings.js';
import { resolveTimeZone } from './format/time-zone.js';
import type { ReadSecretFile } from './settings.js';
import { renderCommandHelp, renderUsage } from './usage.js';

export interface CliIo {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Terminal columns of stdout, when it is a terminal. */
  columns: number | undefined;
  /** Terminal rows of stdout, when it is a terminal (output taller than this is paged). */
  rows?: number;
  /** Shows text through the pager; resolves false when none could run. Absent: never page. */
  page?: (text: string) => Promise<boolean>;
  fetch?: typeof fetch;
  readSecret?: ReadSecretFile;
  nowMillis?: () => number;
  /** Waits between reconnects (tests pass one that does not). */
  sleep?: (millis: number) => Promise<void>;
  /** The folder relative paths (`replay --module`) are read from; default: the process's. */
  cwd?: string;
}

const DEFAULT_LAYOUT_WIDTH = 100;

function layoutWidth(io: CliIo): number {
  if (io.columns && io.columns > 0) return io.columns;
  const fromEnv = Number(io.env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv >= 40 ? fromEnv : DEFAULT_LAYOUT_WIDTH;
}

function reportError(error: unknown, io: CliIo, colors: Colors): number {
  if (error instanceof UsageError) {
    const where = error.command ? `xray ${error.command}` : 'xray';
    io.stderr(`${colors.red(`${where}: ${error.message}`)}\n${colors.dim(`Run "xray help${error.command ? ` ${error.command}` : ''}" for usage.`)}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ApiError) {
    io.stderr(`${colors.red(`${error.code}: ${error.message}`)}\n${error.hint ? `${colors.dim(error.hint)}\n` : ''}`);
    return EXIT_FAILURE;
  }
  if (error instanceof CliError) {
    io.stderr(`${colors.red(error.message)}\n${error.hint ? `${colors.dim(error.hint)}\n` : ''}`);
    return EXIT_FAILURE;
  }
  io.stderr(`${colors.red('xray: unexpected error')}\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_FAILURE;
}

function helpFor(topic: string | undefined, commands: Map<string, Command>, io: CliIo): number {
  if (topic === undefined) {
    io.stdout(`${renderUsage([...commands.values()])}\n`);
    return EXIT_OK;
  }
  const command = commands.get(topic);
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(topic)}`);
  io.stdout(`${renderCommandHelp(command)}\n`);
  return EXIT_OK;
}

/** `xray --version`: this CLI's version, then the collector's and its API's (or why they are unknown). */
async function printVersion(settings: Settings, io: CliIo): Promise<number> {
  io.stdout(`xray CLI ${COLLECTOR_VERSION}\n`);
  const client = createApiClient({ url: settings.url, apiKey: settings.apiKey, adminToken: settings.adminToken, fetch: io.fetch, timeoutMillis: 5000 });
  try {
    const remote = await client.get<{ collector: string; api: string }>('/version', { auth: 'none' });
    io.stdout(`collector ${remote.collector} at ${settings.url}, query API ${remote.api}\n`);
  } catch (error) {
    const reason = error instanceof CliError ? error.message : String(error);
    io.stdout(`collector at ${settings.url}: version unknown (${reason})\n`);
  }
  return EXIT_OK;
}

/**
 * @example
 * process.exitCode = await runCli({ argv: process.argv.slice(2), env: process.env, stdout, stderr, … });
 */
export async function runCli(io: CliIo, commandList: readonly Command[] = COMMANDS): Promise<number> {
  const commands = new Map(commandList.map((command) => [command.name, command]));
  const optionsByName: Record<string, OptionSpecs> = Object.fromEntries(commandList.map((command) => [command.name, command.options]));
  // Colours for stderr are decided before parsing so even a parse error respects NO_COLOR and pipes.
  let errorColors = createColors(shouldUseColor({ isTTY: io.stderrIsTTY, env: io.env, json: false }));
  try {
    const line = parseCommandLine(io.argv, optionsByName);
    const json = line.values.json === true;
    errorColors = createColors(shouldUseColor({ isTTY: io.stderrIsTTY, env: io.env, json }));

    if (line.values.version === true) return await printVersion(resolveSettings(line.values, io.env, io.readSecret), io);
    if (line.command === undefined) {
      if (line.values.help === true) return helpFor(undefined, commands, io);
      io.stderr(`${renderUsage([...commands.values()])}\n`);
      return EXIT_USAGE;
    }
    if (line.command === 'help') {
      if (line.positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(line.positionals[1])}`, 'help');
      return helpFor(line.positionals[0], commands, io);
    }
    const command = commands.get(line.command);
    if (!command) {
      io.stderr(`${errorColors.red(`xray: unknown command ${JSON.stringify(line.command)}`)}\n\n${renderUsage([...commands.values()])}\n`);
      return EXIT_USAGE;
    }
    if (line.values.help === true) return helpFor(command.name, commands, io);

    const settings = resolveSettings(line.values, io.env, io.readSecret);
    const client = createApiClient({
      url: settings.url,
      apiKey: settings.apiKey,
      adminToken: settings.adminToken,
      fetch: io.fetch,
    });
    const timeZone = resolveTimeZone({ local: line.values.local === true, utc: line.values.utc === true, env: io.env });
    // On a terminal, output is collected and paged when taller than the screen; piped, it streams.
    const mayPage = io.stdoutIsTTY && io.page !== undefined && line.values['no-pager'] !== true;
    const collected: string[] = [];
    let exitCode = EXIT_OK;
    const context: CommandContext = {
      client,
      out: (raw) => {
        // On a terminal, what an app's data carries must not act on it (format/text.ts); piped output is left as sent.
        const text = io.stdoutIsTTY ? terminalSafe(raw) : raw;
        if (mayPage) collected.push(`${text}\n`);
        else io.stdout(`${text}\n`);
      },
      colors: createColors(shouldUseColor({ isTTY: io.stdoutIsTTY, env: io.env, json })),
      json,
      terminalWidth: io.stdoutIsTTY ? io.columns : undefined,
      layoutWidth: layoutWidth(io),
      nowMillis: io.nowMillis ?? Date.now,
      timeZone,
      err: (text) => io.stderr(text),
      stderrIsTTY: io.stderrIsTTY,
      sleep: io.sleep,
      collector: { url: settings.url, apiKey: settings.apiKey },
      cwd: io.cwd,
      setExitCode: (code) => {
        exitCode = code;
      },
    };
    try {
      await command.run(context, { positionals: line.positionals, values: line.values });
    } finally {
      // What a command printed before failing is still shown.
      const text = collected.join('');
      if (text !== '') {
        const paged = shouldPage(text, { isTTY: io.stdoutIsTTY, rows: io.rows, noPager: !mayPage, env: io.env }) && (await io.page!(text));
        if (!paged) io.stdout(text);
      }
    }
    return exitCode;
  } catch (error) {
    return reportError(error, io, errorColors);
  }
}
