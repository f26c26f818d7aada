/**
 * Plain ANSI styling (no dependency). Renderers take a `Colors` so they stay
 * pure: tests pass `createColors(false)` and compare plain text.
 */

export interface Colors {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const style = (open: number, close: number) => (text: string) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
const plain = (text: string) => text;

/**
 * @example
 * const c = createColors(true);
 * c.red('failed'); // '\u001b[31mfailed\u001b[39m'
 */
export function createColors(enabled: boolean): Colors {
  if (!enabled) return { enabled, red: plain, green: plain, yellow: plain, cyan: plain, dim: plain, bold: plain };
  return {
    enabled,
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
    dim: style(2, 22),
    bold: style(1, 22),
  };
}

/**
 * Colour only for a person at a terminal: never when output is piped, when
 * NO_COLOR is set to anything non-empty (https://no-color.org), or for --json.
 */
export function shouldUseColor(options: { isTTY: boolean; env: Record<string, string | undefined>; json: boolean }): boolean {
  if (options.json) return false;
  if (options.env.NO_COLOR !== undefined && options.env.NO_COLOR !== '') return false;
  return options.isTTY;
}

/** An execution or step status in its colour: failed red, completed green, anything else (running, …) yellow. */
export function colorStatus(colors: Colors, status: string, text = status): string {
  if (status === 'failed') return colors.red(text);
  if (status === 'completed') return colors.green(text);
  return colors.yellow(text);
}
