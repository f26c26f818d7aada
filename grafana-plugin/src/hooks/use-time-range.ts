/**
 * The time range, refresh interval and time zone of a page, kept in the URL
 * like Grafana's dashboards (`from`, `to`, `refresh`, `timezone`). Relative ranges are
 * resolved against "now" again on every refresh, manual or automatic.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { rangeUtil, type TimeRange } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import type { TimeWindow } from '../api/types';
import {
  rangeToQuery,
  rawRangeFromQuery,
  refreshFromQuery,
  resolveRange,
  shiftRange,
  timeZoneFromQuery,
  toTimeWindow,
} from '../data/url-state';
import { useQueryParams } from './use-url-state';

export interface TimeRangeState {
  range: TimeRange;
  window: TimeWindow;
  timeZone: TimeZone;
  /** Refresh interval (`30s`) or '' when off. */
  refresh: string;
  /** Changes on every refresh; include it in query keys. */
  refreshKey: number;
  setRange: (range: TimeRange) => void;
  setTimeZone: (timeZone: TimeZone) => void;
  setRefresh: (interval: string) => void;
  refreshNow: () => void;
  moveBackward: () => void;
  moveForward: () => void;
  zoomOut: () => void;
}

export function useTimeRange(): TimeRangeState {
  const [query, update] = useQueryParams();
  const [refreshKey, setRefreshKey] = useState(0);
  const timeZone = timeZoneFromQuery(query);
  const rawFrom = query.from;
  const rawTo = query.to;

  const range = useMemo(
    () => resolveRange(rawRangeFromQuery({ from: rawFrom, to: rawTo }), timeZone),
    // refreshKey re-resolves "now" in relative ranges.
    [rawFrom, rawTo, timeZone, refreshKey] // eslint-disable-line react-hooks/exhaustive-deps
  );
  const window = useMemo(() => toTimeWindow(range), [range]);
  const refresh = refreshFromQuery(query);

  const refreshNow = useCallback(() => setRefreshKey((key) => key + 1), []);
  const setRange = useCallback((next: TimeRange) => update(rangeToQuery(next)), [update]);
  const setRefresh = useCallback((interval: string) => update({ refresh: interval || null }), [update]);
  const setTimeZone = useCallback(
    (zone: TimeZone) => update({ timezone: zone && zone !== 'browser' ? zone : null }),
    [update]
  );

  useEffect(() => {
    if (!refresh) {
      return;
    }
    const timer = setInterval(refreshNow, Math.max(5000, rangeUtil.intervalToMs(refresh)));
    return () => clearInterval(timer);
  }, [refresh, refreshNow]);

  return {
    range,
    window,
    timeZone,
    refresh,
    refreshKey,
    setRange,
    setTimeZone,
    setRefresh,
    refreshNow,
    moveBackward: () => setRange(shiftRange(range, -1)),
    moveForward: () => setRange(shiftRange(range, 1)),
    zoomOut: () => setRange(shiftRange(range, 'zoom-out')),
  };
}
