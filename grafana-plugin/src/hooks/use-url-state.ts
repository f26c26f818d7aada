/**
 * Page state kept in the URL through Grafana's location service: reading
 * follows react-router's location (Grafana's router is bound to the same
 * history), writing goes through `locationService.partial`, which merges
 * into the query string (null removes a key).
 */
import { useCallback, useMemo } from 'react';
import { useLocation } from 'react-router-dom';
import type { UrlQueryMap } from '@grafana/data';
import { locationSearchToObject, locationService } from '@grafana/runtime';
import { type Filters, filtersFromQuery, linkWithTimeContext } from '../data/url-state';

/** Values to merge into the query string; an array repeats its key, '' / undefined / [] remove it. */
export type QueryPatch = Record<string, string | number | string[] | null | undefined>;

/** The current query string as an object, and a function that merges a patch into it. */
export function useQueryParams(): [UrlQueryMap, (patch: QueryPatch, replace?: boolean) => void] {
  const { search } = useLocation();
  const query = useMemo(() => locationSearchToObject(search), [search]);
  const update = useCallback((patch: QueryPatch, replace = false) => {
    const clean: Record<string, string | number | string[] | null> = {};
    for (const [key, value] of Object.entries(patch)) {
      clean[key] = value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? null : value;
    }
    locationService.partial(clean, replace);
  }, []);
  return [query, update];
}

/** The filters in the URL and a setter for one of them ('' or undefined clears it). */
export function useUrlFilters(): [Filters, (key: keyof Filters, value: string | undefined) => void] {
  const [query, update] = useQueryParams();
  const filters = useMemo(() => filtersFromQuery(query), [query]);
  const setFilter = useCallback((key: keyof Filters, value: string | undefined) => update({ [key]: value }), [update]);
  return [filters, setFilter];
}

/**
 * Builds links to other pages of the app that keep this page's time range, refresh interval and
 * time zone (so drilling down never resets them).
 */
export function useLinkWithTimeContext(): (
  path: string,
  params?: Record<string, string | number | undefined>
) => string {
  const [query] = useQueryParams();
  return useCallback((path, params) => linkWithTimeContext(path, query, params), [query]);
}
