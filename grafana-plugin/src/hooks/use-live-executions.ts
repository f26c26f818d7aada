/**
 * Follows the live tail while `enabled`, with the page's filters: the
 * executions that arrived (newest first, capped) and the stream's state.
 * Changing the filters starts a new stream; what the old one brought is
 * dropped (state is kept per stream, so a stale stream's rows never show).
 */
import { useEffect, useState } from 'react';
import { type LiveState, openLiveTail } from '../api/live-tail';
import type { ExecutionFilters, ExecutionSummary } from '../api/types';
import { addArrivals } from '../data/live-merge';

interface StreamState {
  key: string;
  rows: ExecutionSummary[];
  state: LiveState | undefined;
}

export function useLiveExecutions(
  enabled: boolean,
  filters: ExecutionFilters
): { rows: ExecutionSummary[]; state: LiveState | undefined } {
  const key = enabled ? JSON.stringify(filters) : '';
  const [stream, setStream] = useState<StreamState>({ key: '', rows: [], state: undefined });
  useEffect(() => {
    if (!key) {
      return;
    }
    const forThisStream = (update: (current: StreamState) => StreamState) =>
      setStream((previous) => update(previous.key === key ? previous : { key, rows: [], state: undefined }));
    return openLiveTail({
      filters: JSON.parse(key) as ExecutionFilters,
      onExecutions: (arrivals) =>
        forThisStream((current) => ({ ...current, rows: addArrivals(current.rows, arrivals) })),
      onState: (state) => forThisStream((current) => ({ ...current, state })),
    });
  }, [key]);
  return stream.key === key && key ? { rows: stream.rows, state: stream.state } : { rows: [], state: undefined };
}
