import { dateTime } from '@grafana/data';
import {
  filtersFromQuery,
  linkWithTimeContext,
  timeZoneFromQuery,
  rangeToQuery,
  rawRangeFromQuery,
  refreshFromQuery,
  resolveRange,
  toTimeWindow,
} from './url-state';

describe('url-state', () => {
  it('defaults to the last 24 hours and keeps relative ranges relative', () => {
    const raw = rawRangeFromQuery({});
    expect(raw).toEqual({ from: 'now-24h', to: 'now' });
    // "now" is read once for `from` and once for `to`: a stopped clock keeps them equal on a busy machine.
    jest.useFakeTimers({ now: Date.UTC(2025, 0, 15, 12) });
    try {
      const range = resolveRange({ from: 'now-6h', to: 'now' });
      expect(rangeToQuery(range)).toEqual({ from: 'now-6h', to: 'now' });
      const window = toTimeWindow(range);
      expect(window).toEqual({ fromMillis: Date.UTC(2025, 0, 15, 6), toMillis: Date.UTC(2025, 0, 15, 12) });
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads absolute times as unix milliseconds and writes them back the same way', () => {
    const raw = rawRangeFromQuery({ from: '1700000000000', to: '1700003600000' });
    const range = resolveRange(raw);
    expect(range.from.valueOf()).toBe(1700000000000);
    expect(rangeToQuery(range)).toEqual({ from: '1700000000000', to: '1700003600000' });
    const picked = { from: dateTime(1), to: dateTime(2), raw: { from: dateTime(1), to: dateTime(2) } };
    expect(rangeToQuery(picked)).toEqual({ from: '1', to: '2' });
  });

  it('ignores junk times and refresh values', () => {
    expect(rawRangeFromQuery({ from: 'yesterday-ish' }).from).toBe('now-24h');
    expect(refreshFromQuery({ refresh: '30s' })).toBe('30s');
    expect(refreshFromQuery({ refresh: 'often' })).toBe('');
  });

  it('reads filters, dropping empty ones', () => {
    expect(filtersFromQuery({ pipeline: 'loan', status: '', q: 'credit score', other: 'x' })).toEqual({
      pipeline: 'loan',
      q: 'credit score',
    });
  });

  it('carries from, to, refresh and timezone into links, and nothing else of the current page', () => {
    const current = { from: 'now-6h', to: 'now', refresh: '1m', timezone: 'utc', pipeline: 'loan', span: 'abc' };
    expect(linkWithTimeContext('/a/x/executions', current, { status: 'failed', environment: undefined })).toBe(
      '/a/x/executions?from=now-6h&to=now&refresh=1m&timezone=utc&status=failed'
    );
    expect(linkWithTimeContext('/a/x/executions', {}, {})).toBe('/a/x/executions');
    // A link's own time wins over the page's.
    expect(linkWithTimeContext('/p', { from: 'now-1h', to: 'now' }, { from: '1000', to: '2000' })).toBe(
      '/p?from=1000&to=2000'
    );
  });

  it('reads the time zone, ignoring zones the browser does not know', () => {
    expect(timeZoneFromQuery({ timezone: 'utc' })).toBe('utc');
    expect(timeZoneFromQuery({ timezone: 'Europe/Paris' })).toBe('Europe/Paris');
    expect(timeZoneFromQuery({ timezone: 'Mars/Olympus' })).toBe('browser');
    expect(timeZoneFromQuery({})).toBe('browser');
  });
});
