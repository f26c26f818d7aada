/** The text of `xray help`: the command list and the global options. */
import type { Command } from './command.js';
import { padEnd } from './format/text.js';

export const GLOBAL_OPTIONS_HELP = `Global options:
  --url <url>             the collector (XRAY_URL, else XRAY_ENDPOINT; default http://127.0.0.1:4318)
  --api-key <key>         app API key (XRAY_API_KEY, else <data dir>/default-app.key)
  --admin-token <token>   admin token for apps, keys and sql (XRAY_ADMIN_TOKEN, else <data dir>/admin.token)
  --data-dir <dir>        the collector's data folder (XRAY_DATA_DIR; default .xray/data)
  --json                  print the API's JSON instead of tables (times in ISO 8601, UTC)
  --local                 show times in this machine's time zone (default: UTC, or TZ when set)
  --utc                   show times in UTC even when TZ is set
  --no-pager              never page long output (default: through PAGER, else less, when
                          stdout is a terminal and the output is taller than it)
  --version               print the CLI's version and the collector's and API's
  -h, --help              help for the command

Times: --from/--to take ISO 8601 (UTC unless a zone is given) or unix milliseconds;
--since and --interval take 90s, 30m, 1h, 2d, 1w (the API's grammar). Every command's
default window is the last 7 days.`;

/**
 * @example
 * stdout(renderUsage([executionsCommand, showCommand]));
 */
export function renderUsage(commands: Command[]): string {
  const width = Math.max(...commands.map((command) => command.synopsis.length), 'help [command]'.length) + 2;
  return [
    'xray: look at what your X-Ray pipelines decided, from the terminal.',
    '',
    'Usage: xray <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${padEnd(command.synopsis, width)}${command.summary}`),
    `  ${padEnd('help [command]', width)}This text, or a command's flags and examples`,
    '',
    GLOBAL_OPTIONS_HELP,
    '',
    'Exit codes: 0 success, 1 the collector refused or could not be reached, 2 bad command line.',
    'Start the collector with `npm start`; `xray help <command>` shows examples.',
  ].join('\n');
}

export function renderCommandHelp(command: Command): string {
  return `${command.help}\n\n${GLOBAL_OPTIONS_HELP}`;
}
