/**
 * Follows the live tail while `enabled`, with the page's filters: the
 * executions that arrived (newest first, capped) and the stream's state.
 * Changing the filters starts a new stream (and drops the old arrivals).
 */
import { useEffect, useState } from 'react';
import { type LiveState, openLiveTail } from '../api/live-tail';
import type { ExecutionFilters, ExecutionSummary } from '../api/types';
import { addArrivals } from '../data/live-merge';

export function useLiveExecutions(
  enabled: boolean,
  filters: ExecutionFilters
): { rows: ExecutionSummary[]; state: LiveState | undefined } {
  const key = JSON.stringify(filters);
  const [rows, setRows] = useState<ExecutionSummary[]>([]);
  const [state, setState] = useState<LiveState | undefined>();
  useEffect(() => {
    setRows([]);
    setState(undefined);
    if (!enabled) {
      return;
    }
    return openLiveTail({
      filters: JSON.parse(key) as ExecutionFilters,
      onExecutions: (arrivals) => setRows((previous) => addArrivals(previous, arrivals)),
      onState: setState,
    });
  }, [enabled, key]);
  return { rows, state };
}
