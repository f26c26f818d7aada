/**
 * Width-aware string helpers shared by the table and timeline renderers.
 * Width is counted in code points with ANSI escapes removed; East Asian wide
 * characters count as one, which is good enough for ids, names and numbers.
 */

const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/**
 * Text made safe for a terminal: the CLI's own colors (SGR, `ESC[…m`) stay;
 * every other escape sequence, C0 control (but newline and tab), DEL and C1
 * control is removed. Data an app sent (a step's reasoning, an error
 * message) may carry sequences that write the clipboard (OSC 52), clear the
 * screen or overwrite a line (`\r`) to forge what the reader sees.
 *
 * @example
 * terminalSafe('ok\u001b]52;c;eA==\u0007 done'); // 'ok done'
 */
export function terminalSafe(text: string): string {
  return text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g, '')
    .replace(/\u001b(?!\[[0-9;]*m)(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])?/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f]/g, '');
}

/** Columns a string takes in a terminal. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of stripAnsi(text)) width++;
  return width;
}

/** Cuts plain text to `width` columns, ending with `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return chars.slice(0, width - 1).join('') + '…';
}

export function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleWidth(text)));
}

export function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleWidth(text))) + text;
}

/** Newlines and tabs inside a table cell or a one-line label would break the layout. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(/\t/g, ' ');
}

/**
 * Breaks plain text into lines of at most `width` columns, at spaces where it
 * can; words longer than a line are split. Existing line breaks are kept.
 *
 * @example
 * wrap('approved because the score is high', 12); // ['approved', 'because the', 'score is', 'high']
 */
export function wrap(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let rest = [...word];
      while (rest.length > 0) {
        const room = line === '' ? limit : limit - [...line].length - 1;
        if (rest.length <= room) {
          line = line === '' ? rest.join('') : `${line} ${rest.join('')}`;
          rest = [];
        } else if (line !== '') {
          lines.push(line);
          line = '';
        } else {
          lines.push(rest.slice(0, limit).join(''));
          rest = rest.slice(limit);
        }
      }
    }
    lines.push(line);
  }
  return lines;
}
