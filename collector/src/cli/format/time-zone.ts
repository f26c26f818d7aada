/**
 * The zone human output shows times in: UTC unless asked otherwise, so that
 * two engineers (and the server's logs, and `xray sql`) read the same clock.
 * `--local` shows the machine's zone, a set `TZ` is honoured, `--utc` forces
 * UTC. The zone is always printed next to the times (a table header, a
 * suffix), never implied. JSON output is ISO 8601 in UTC whatever the zone.
 */
import { UsageError } from '../errors.js';

export const UTC = 'UTC';

/**
 * @example
 * resolveTimeZone({ local: false, utc: false, env: { TZ: 'Europe/Paris' } }); // 'Europe/Paris'
 * resolveTimeZone({ local: false, utc: false, env: {} });                     // 'UTC'
 */
export function resolveTimeZone(options: { local: boolean; utc: boolean; env: Record<string, string | undefined> }): string {
  if (options.local && options.utc) throw new UsageError('use either --local or --utc, not both');
  if (options.utc) return UTC;
  const fromEnv = options.env.TZ?.trim();
  if (fromEnv) {
    // TZ may carry a leading ":" (POSIX "implementation-defined" form).
    const zone = fromEnv.replace(/^:/, '');
    if (!isTimeZone(zone)) throw new UsageError(`TZ must be a time zone such as UTC or Europe/Paris, got ${JSON.stringify(fromEnv)}`);
    return zone;
  }
  if (options.local) return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? UTC;
  return UTC;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * An ISO time as `YYYY-MM-DD HH:MM:SS` on the clock of `zone` (UTC by
 * default), `seconds: false` for bucket labels. The caller prints the zone.
 *
 * @example
 * formatTimestamp('2024-05-01T09:08:07Z');                          // '2024-05-01 09:08:07'
 * formatTimestamp('2024-05-01T09:08:07Z', { zone: 'Europe/Paris' }); // '2024-05-01 11:08:07'
 */
export function formatTimestamp(iso: string, options: { zone?: string; seconds?: boolean } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = Object.fromEntries(formatterFor(options.zone ?? UTC).formatToParts(date).map((part) => [part.type, part.value]));
  const time = options.seconds === false ? `${parts.hour}:${parts.minute}` : `${parts.hour}:${parts.minute}:${parts.second}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time}`;
}
