/**
 * The one duration grammar of X-Ray, shared by the CLI (`--since 1w`,
 * `--interval 1h`) and the query API (`interval=1w`): a whole number and a
 * unit, `s`, `m`, `h`, `d` or `w`. One parser, so a value the CLI accepts is
 * never refused by the API.
 */

export const DURATION_UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

export type DurationUnit = keyof typeof DURATION_UNIT_SECONDS;

/** What the grammar looks like, for error messages. */
export const DURATION_EXAMPLES = '90s, 30m, 1h, 2d or 1w';

const DURATION_PATTERN = /^(\d{1,9})([smhdw])$/;

/**
 * A duration as seconds, or undefined when the text is not one.
 *
 * @example
 * parseDurationSeconds('1w');  // 604800
 * parseDurationSeconds('90s'); // 90
 * parseDurationSeconds('1y');  // undefined
 */
export function parseDurationSeconds(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * DURATION_UNIT_SECONDS[match[2] as DurationUnit];
}

/**
 * Seconds as the grammar spells them, in the largest whole unit.
 *
 * @example
 * formatDurationSeconds(3600);   // '1h'
 * formatDurationSeconds(604800); // '1w'
 */
export function formatDurationSeconds(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    const size = DURATION_UNIT_SECONDS[unit];
    if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
