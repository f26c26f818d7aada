/**
 * Executions: the newest executions matching the filters (pipeline, status,
 * environment, business keys such as `applicantId=A-1042`, score filters, a
 * step name, words in step reasoning) in the time range, with more loaded on
 * demand. Live mode follows the collector's stream with the same filters and
 * puts new executions on top; Download exports what the filters select; two
 * picked rows open the side-by-side comparison. Each row opens the execution.
 */
import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, FilterPill, LinkButton, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { useExecutionList } from '../api/hooks';
import type { ExecutionFilters, ExecutionQuery, ExecutionSummary } from '../api/types';
import { QueryError } from '../components/common/QueryError';
import { EnvironmentPicker, PipelinePicker, ReasoningSearch, StatusPicker } from '../components/controls/Filters';
import { TimeControls } from '../components/controls/TimeControls';
import { BusinessKeyFilter } from '../components/executions/BusinessKeyFilter';
import { ExecutionsTable } from '../components/executions/ExecutionsTable';
import { LiveToggle } from '../components/executions/LiveToggle';
import { ExportDownloadButton } from '../components/export/DownloadButton';
import { MatchingSteps } from '../components/search/MatchingSteps';
import { testIds } from '../components/testIds';
import { prefixRoute, ROUTES } from '../constants';
import { businessKeysFromQuery, scoreFiltersFromQuery } from '../data/business-keys';
import { orderForCompare } from '../data/compare-view';
import { mergeLiveRows } from '../data/live-merge';
import { useLiveExecutions } from '../hooks/use-live-executions';
import { useTimeRange } from '../hooks/use-time-range';
import { useLinkWithTimeContext, useQueryParams, useUrlFilters } from '../hooks/use-url-state';

const PAGE_SIZE = 100;

function Executions() {
  const styles = useStyles2(getStyles);
  const time = useTimeRange();
  const [filters, setFilter] = useUrlFilters();
  const [urlQuery, updateUrl] = useQueryParams();
  const whereKey = JSON.stringify(businessKeysFromQuery(urlQuery));
  const scoresKey = JSON.stringify(scoreFiltersFromQuery(urlQuery));
  const where = useMemo<string[]>(() => JSON.parse(whereKey), [whereKey]);
  const scores = useMemo<Record<string, string>>(() => JSON.parse(scoresKey), [scoresKey]);
  const liveRequested = urlQuery.live === true || urlQuery.live === 'true';

  const pageFilters = useMemo<ExecutionFilters>(
    () => ({
      pipeline: filters.pipeline,
      status: filters.status,
      environment: filters.environment,
      step: filters.step,
      q: filters.q,
      where,
      scores,
    }),
    [filters.pipeline, filters.status, filters.environment, filters.step, filters.q, where, scores]
  );
  const query = useMemo<ExecutionQuery>(
    () => ({ ...time.window, ...pageFilters, limit: PAGE_SIZE }),
    [time.window, pageFilters]
  );
  const list = useExecutionList(query, time.refreshKey);

  // The stream takes the list's filters except score filters (a score arrives after its execution).
  const liveUnavailable = Object.keys(scores).length > 0 ? 'Live mode does not follow score filters' : undefined;
  const liveEnabled = liveRequested && !liveUnavailable;
  const liveFilters = useMemo<ExecutionFilters>(() => ({ ...pageFilters, scores: undefined }), [pageFilters]);
  const live = useLiveExecutions(liveEnabled, liveFilters);
  const rows = useMemo(
    () => (liveEnabled ? mergeLiveRows(live.rows, list.value) : list.value),
    [liveEnabled, live.rows, list.value]
  );

  const [picked, setPicked] = useState<ExecutionSummary[]>([]);
  const selection = useMemo(
    () => ({
      selected: new Set(picked.map((row) => row.executionId)),
      onToggle: (row: ExecutionSummary) =>
        setPicked((previous) =>
          previous.some((one) => one.executionId === row.executionId)
            ? previous.filter((one) => one.executionId !== row.executionId)
            : [...previous, row].slice(-2)
        ),
    }),
    [picked]
  );
  const link = useLinkWithTimeContext();
  const pair = orderForCompare(picked);

  const setBusinessKeys = useCallback((keys: string[]) => updateUrl({ where: keys }), [updateUrl]);
  const removeScore = useCallback((name: string) => updateUrl({ [`score.${name}`]: undefined }), [updateUrl]);
  const exportQuery = useMemo(() => ({ ...time.window, ...pageFilters }), [time.window, pageFilters]);

  return (
    <PluginPage>
      <div data-testid={testIds.executions.container} className={styles.page}>
        <div className={styles.toolbar}>
          <Stack gap={1} wrap="wrap" alignItems="center">
            <PipelinePicker window={time.window} value={filters.pipeline} onChange={(v) => setFilter('pipeline', v)} />
            <StatusPicker value={filters.status} onChange={(v) => setFilter('status', v)} />
            <EnvironmentPicker
              window={time.window}
              value={filters.environment}
              onChange={(v) => setFilter('environment', v)}
            />
          </Stack>
          <Stack gap={1} wrap="wrap" alignItems="center">
            <LiveToggle
              enabled={liveEnabled}
              onChange={(on) => updateUrl({ live: on ? 'true' : undefined })}
              state={live.state}
              disabledReason={liveRequested ? liveUnavailable : undefined}
            />
            <ExportDownloadButton query={exportQuery} />
            <TimeControls time={time} isLoading={list.loading} />
          </Stack>
        </div>
        <div className={styles.searchRow}>
          <ReasoningSearch value={filters.q} onChange={(v) => setFilter('q', v)} />
          {filters.step && (
            <FilterPill label={`Step: ${filters.step} ✕`} selected onClick={() => setFilter('step', undefined)} />
          )}
        </div>
        {filters.q && (
          <MatchingSteps
            window={time.window}
            q={filters.q}
            pipeline={filters.pipeline}
            environment={filters.environment}
            refreshKey={time.refreshKey}
          />
        )}
        <BusinessKeyFilter keys={where} onChange={setBusinessKeys} scores={scores} onRemoveScore={removeScore} />
        <div className={styles.compareRow}>
          <LinkButton
            data-testid={testIds.compare.open}
            icon="exchange-alt"
            variant={pair ? 'primary' : 'secondary'}
            disabled={!pair}
            href={pair ? link(prefixRoute(ROUTES.Compare), { a: pair[0], b: pair[1] }) : undefined}
            tooltip="Pick two rows to compare them side by side"
          >
            Compare{picked.length > 0 ? ` (${picked.length}/2)` : ''}
          </LinkButton>
          {picked.length > 0 && (
            <Button variant="secondary" fill="text" size="sm" onClick={() => setPicked([])}>
              Clear
            </Button>
          )}
        </div>

        <QueryError title="Could not load executions" error={list.error} />
        {rows === undefined && list.loading && <LoadingPlaceholder text="Loading executions…" />}
        {rows !== undefined && rows.length === 0 && (
          <div data-testid={testIds.executions.empty}>
            <EmptyState variant="not-found" message="No executions match these filters in this time range" />
          </div>
        )}
        {rows !== undefined && rows.length > 0 && <ExecutionsTable executions={rows} selection={selection} />}
        {list.hasMore && (
          <div>
            <Button
              variant="secondary"
              icon="angle-down"
              onClick={list.loadMore}
              disabled={list.loadingMore}
              data-testid={testIds.executions.loadMore}
            >
              Load more
            </Button>
          </div>
        )}
      </div>
    </PluginPage>
  );
}

export default Executions;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  toolbar: css({
    display: 'flex',
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    alignItems: 'center',
    gap: theme.spacing(1),
  }),
  searchRow: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), maxWidth: 900 }),
  compareRow: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
});
