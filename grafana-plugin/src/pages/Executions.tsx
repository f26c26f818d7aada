/**
 * Executions: the newest executions matching the filters (pipeline, status,
 * environment, a step name, words in step reasoning) in the time range, with
 * more loaded on demand. Each row opens the execution's page.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Button, EmptyState, FilterPill, LoadingPlaceholder, Stack, useStyles2 } from '@grafana/ui';
import { useExecutionList } from '../api/hooks';
import type { ExecutionQuery } from '../api/types';
import { QueryError } from '../components/common/QueryError';
import { EnvironmentPicker, PipelinePicker, ReasoningSearch, StatusPicker } from '../components/controls/Filters';
import { TimeControls } from '../components/controls/TimeControls';
import { ExecutionsTable } from '../components/executions/ExecutionsTable';
import { testIds } from '../components/testIds';
import { useTimeRange } from '../hooks/use-time-range';
import { useUrlFilters } from '../hooks/use-url-state';

const PAGE_SIZE = 100;

function Executions() {
  const styles = useStyles2(getStyles);
  const time = useTimeRange();
  const [filters, setFilter] = useUrlFilters();
  const query = useMemo<ExecutionQuery>(
    () => ({
      ...time.window,
      pipeline: filters.pipeline,
      status: filters.status,
      environment: filters.environment,
      step: filters.step,
      q: filters.q,
      limit: PAGE_SIZE,
    }),
    [time.window, filters.pipeline, filters.status, filters.environment, filters.step, filters.q]
  );
  const list = useExecutionList(query, time.refreshKey);

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
          <TimeControls time={time} isLoading={list.loading} />
        </div>
        <div className={styles.searchRow}>
          <ReasoningSearch value={filters.q} onChange={(v) => setFilter('q', v)} />
          {filters.step && (
            <FilterPill label={`Step: ${filters.step} ✕`} selected onClick={() => setFilter('step', undefined)} />
          )}
        </div>

        <QueryError title="Could not load executions" error={list.error} />
        {list.value === undefined && list.loading && <LoadingPlaceholder text="Loading executions…" />}
        {list.value !== undefined && list.value.length === 0 && (
          <div data-testid={testIds.executions.empty}>
            <EmptyState variant="not-found" message="No executions match these filters in this time range" />
          </div>
        )}
        {list.value !== undefined && list.value.length > 0 && <ExecutionsTable executions={list.value} />}
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
});
