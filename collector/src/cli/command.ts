/**
 * What a command is and what it gets to run: its flags (for parseArgs), its
 * help text, and a context holding the API client and an output sink, so
 * commands never touch process.* and tests can capture what they print.
 */
import type { OptionSpecs, OptionValues } from './args.js';
import type { ApiClient } from './client.js';
import type { Colors } from './format/colors.js';
import type { Secret } from './settings.js';

export interface CommandContext {
  client: ApiClient;
  /** Writes one block of text to stdout, newline added. */
  out(text: string): void;
  colors: Colors;
  /** Print the API's JSON instead of tables. */
  json: boolean;
  /** Terminal columns when stdout is a terminal; undefined when piped (tables are then never cut). */
  terminalWidth: number | undefined;
  /** Columns for output that always needs a width (the timeline): the terminal's, else COLUMNS, else 100. */
  layoutWidth: number;
  /** The zone human output shows times in (UTC unless --local or TZ); renderers name it next to the times. */
  timeZone: string;
  nowMillis(): number;
  /** Writes text to stderr as is (progress, reconnect notices); absent in contexts that have no stderr. */
  err?(text: string): void;
  /** True when stderr is a terminal (a progress bar is drawn only then). */
  stderrIsTTY?: boolean;
  /** Waits, so tests can fake time (default: setTimeout). */
  sleep?(millis: number): Promise<void>;
  /** Where the collector is and the app key, for a command that sends through the SDK (`replay --record`). */
  collector?: { url: string; apiKey(): Secret };
  /** The folder relative paths are read from (default: the process's). */
  cwd?: string;
  /** Ends the command with this exit code after its output (a replay that diverged exits 1). */
  setExitCode?(code: number): void;
}

export interface CommandInput {
  positionals: string[];
  values: OptionValues;
}

export interface Command {
  name: string;
  /** The command with its arguments as the command list shows it, e.g. `show <executionId>`. */
  synopsis: string;
  /** One line for the command list in `xray help`. */
  summary: string;
  /** Full help: synopsis, flags, examples. */
  help: string;
  /** The command's own flags; the global ones are added by the parser. */
  options: OptionSpecs;
  run(context: CommandContext, input: CommandInput): Promise<void>;
}

/** Pretty JSON for --json, the API's reply as is. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
