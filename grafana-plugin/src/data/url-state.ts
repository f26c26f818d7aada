/**
 * The pages' state as it lives in the URL (so a view can be shared and
 * survives a reload): the time range in Grafana's own `from`/`to` format
 * (`now-6h`, or unix milliseconds for absolute times), the refresh interval
 * and the filters. Pure functions; the hook that reads and writes the URL is
 * hooks/use-url-state.ts.
 */
import {
  dateMath,
  dateTime,
  type DateTime,
  isDateTime,
  rangeUtil,
  type RawTimeRange,
  type TimeRange,
  type UrlQueryMap,
} from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import type { TimeWindow } from '../api/types';

export const DEFAULT_FROM = 'now-24h';
export const DEFAULT_TO = 'now';

/** Filter keys the pages keep in the URL. */
export const FILTER_KEYS = ['pipeline', 'environment', 'status', 'q', 'step'] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

function firstString(value: UrlQueryMap[string]): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null || first === '') {
    return undefined;
  }
  return String(first);
}

/** A URL time: unix milliseconds become a DateTime, anything else stays raw (`now-1h`, ISO). */
function urlTime(value: string | undefined, fallback: string): string | DateTime {
  if (value === undefined) {
    return fallback;
  }
  if (/^\d{10,}$/.test(value)) {
    return dateTime(Number(value));
  }
  if (dateMath.isMathString(value) || !Number.isNaN(Date.parse(value))) {
    return value;
  }
  return fallback;
}

/** The raw range in the URL, defaulting to the last 24 hours. */
export function rawRangeFromQuery(query: UrlQueryMap): RawTimeRange {
  return {
    from: urlTime(firstString(query.from), DEFAULT_FROM),
    to: urlTime(firstString(query.to), DEFAULT_TO),
  };
}

/** Resolves a raw range (relative parts against now). */
export function resolveRange(raw: RawTimeRange, timeZone?: TimeZone): TimeRange {
  return rangeUtil.convertRawToRange(raw, timeZone);
}

/** The URL form of a range: relative parts as written, absolute ones as unix milliseconds. */
export function rangeToQuery(range: TimeRange): { from: string; to: string } {
  const part = (raw: string | DateTime, resolved: DateTime) =>
    isDateTime(raw) ? String(raw.valueOf()) : dateMath.isMathString(raw) ? raw : String(resolved.valueOf());
  return { from: part(range.raw.from, range.from), to: part(range.raw.to, range.to) };
}

/** The API's window: unix milliseconds, `to` exclusive. */
export function toTimeWindow(range: TimeRange): TimeWindow {
  return { fromMillis: range.from.valueOf(), toMillis: range.to.valueOf() };
}

/** Filters present in the URL (empty values dropped). */
export function filtersFromQuery(query: UrlQueryMap): Filters {
  const filters: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = firstString(query[key]);
    if (value !== undefined) {
      filters[key] = value;
    }
  }
  return filters;
}

/** Keys that carry the time context from page to page: range, refresh interval, time zone. */
export const TIME_KEYS = ['from', 'to', 'refresh', 'timezone'] as const;

/**
 * The time zone in the URL (`timezone`, as Grafana's dashboards name it): `browser`, `utc` or an
 * IANA zone the browser knows; anything else is ignored (browser time).
 */
export function timeZoneFromQuery(query: UrlQueryMap): TimeZone {
  const value = firstString(query.timezone);
  if (value === undefined) {
    return 'browser';
  }
  if (value === 'browser' || value === 'utc') {
    return value;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    return 'browser';
  }
}

/**
 * A link to another page of the app that keeps the time context of the current URL (from, to,
 * refresh, timezone) and sets `params` (undefined or '' left out).
 *
 * @example
 * linkWithTimeContext('/a/xray-decisions-app/executions', { from: 'now-6h', to: 'now', refresh: '1m' }, { status: 'failed' })
 * // → '/a/xray-decisions-app/executions?from=now-6h&to=now&refresh=1m&status=failed'
 */
export function linkWithTimeContext(
  path: string,
  current: UrlQueryMap,
  params: Record<string, string | number | undefined> = {}
): string {
  const query = new URLSearchParams();
  for (const key of TIME_KEYS) {
    const value = firstString(current[key]);
    if (value !== undefined && !(key in params)) {
      query.set(key, value);
    }
  }
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      query.set(key, String(value));
    }
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

/** The refresh interval in the URL (`30s`, `1m`...), or '' for off. */
export function refreshFromQuery(query: UrlQueryMap): string {
  const value = firstString(query.refresh);
  return value !== undefined && rangeUtil.isValidTimeSpan(value) ? value : '';
}

/**
 * Shifts a range by its own length (the time picker's back/forward arrows)
 * or widens it around its centre (zoom out, x2).
 */
export function shiftRange(range: TimeRange, direction: -1 | 1 | 'zoom-out'): TimeRange {
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const span = to - from;
  const [nextFrom, nextTo] =
    direction === 'zoom-out' ? [from - span / 2, to + span / 2] : [from + direction * span, to + direction * span];
  const start = dateTime(Math.round(nextFrom));
  const end = dateTime(Math.min(Math.round(nextTo), Date.now()));
  return { from: start, to: end, raw: { from: start, to: end } };
}
