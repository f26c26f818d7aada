/**
 * The one grammar for a point in time, shared by the query API (`from`,
 * `to`) and the CLI (`--from`, `--to`):
 *
 * - ISO 8601: a date (`2024-05-01`, midnight UTC) or a date and time
 *   (`2024-05-01T12:00:00Z`, `2024-05-01 12:00:00.5+02:00`). A time without a
 *   zone is UTC, never the server's local time.
 * - Unix **milliseconds** as digits (`1714564800000`). Values from 10^8 to
 *   10^11 are refused with a message: as seconds they are 1973 to 5138 (a
 *   plausible unix-seconds time), as milliseconds 2 January 1970 to 3 March
 *   1973 (a time nobody means), so reading them either way would silently
 *   answer about the wrong time. Smaller values (`0`) are milliseconds.
 *
 * Times must lie between 1970-01-01T00:00:00Z and 2262-04-11T23:47:16.854Z,
 * the range of ClickHouse's DateTime64(9) (signed 64-bit nanoseconds).
 */

/** The latest time a DateTime64(9) holds, in milliseconds (2^63 - 1 ns, rounded down). */
export const MAX_INSTANT_MILLIS = 9_223_372_036_854;
export const MIN_INSTANT_MILLIS = 0;

export const INSTANT_EXAMPLES = 'an ISO 8601 time such as 2024-05-01T12:00:00Z or unix milliseconds such as 1714564800000';

const SECONDS_LOOKALIKE_FROM = 1e8;
const SECONDS_LOOKALIKE_TO = 1e11;

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Milliseconds, or why the text is not a time: `reason` is a sentence
 * naming the text, `problem` the same without it (for a flag error that
 * quotes the value itself).
 */
export type InstantResult = { ok: true; millis: number } | { ok: false; reason: string; problem: string };

function refuse(text: string, problem: string): InstantResult {
  return { ok: false, reason: `${JSON.stringify(text)} ${problem}`, problem };
}

function inRange(millis: number, text: string): InstantResult {
  if (!Number.isFinite(millis) || millis < MIN_INSTANT_MILLIS || millis > MAX_INSTANT_MILLIS) {
    return refuse(text, 'is outside the supported range 1970-01-01T00:00:00Z to 2262-04-11T23:47:16Z');
  }
  return { ok: true, millis };
}

function parseIso(text: string, match: RegExpExecArray): InstantResult {
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const millisPart = fraction ? `.${fraction.padEnd(3, '0').slice(0, 3)}` : '';
  const normalizedZone = zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const iso = hour === undefined ? `${year}-${month}-${day}T00:00:00Z` : `${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}${millisPart}${normalizedZone}`;
  const millis = Date.parse(iso);
  // V8 rolls 2024-02-30 over to 1 March: check the calendar date and the clock fields ourselves.
  const calendar = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const validDate = calendar.getUTCFullYear() === Number(year) && calendar.getUTCMonth() === Number(month) - 1 && calendar.getUTCDate() === Number(day);
  const validClock = Number(hour ?? 0) <= 23 && Number(minute ?? 0) <= 59 && Number(second ?? 0) <= 59;
  if (Number.isNaN(millis) || !validDate || !validClock) return refuse(text, 'is not a valid date or time');
  return inRange(millis, text);
}

/**
 * @example
 * parseInstant('2024-05-01T12:00:00Z'); // { ok: true, millis: 1714564800000 }
 * parseInstant('1714564800000');        // { ok: true, millis: 1714564800000 }
 * parseInstant('1714564800');           // { ok: false, reason: '… looks like unix seconds …' }
 */
export function parseInstant(input: string): InstantResult {
  const text = input.trim();
  if (/^\d+$/.test(text)) {
    if (text.length > 16) return inRange(Infinity, text);
    const millis = Number(text);
    if (millis >= SECONDS_LOOKALIKE_FROM && millis < SECONDS_LOOKALIKE_TO) {
      return refuse(text, `looks like unix seconds; times in digits are unix milliseconds (${text}000), or use ISO 8601`);
    }
    return inRange(millis, text);
  }
  const match = ISO_PATTERN.exec(text);
  if (match) return parseIso(text, match);
  return refuse(text, `is not ${INSTANT_EXAMPLES}`);
}
