/**
 * Overview: how the pipelines behave over the chosen time range — failure
 * rate per pipeline, executions per interval, p50/p95 duration, and the
 * steps that fail most — filtered by pipeline and environment. Everything is
 * in the URL (time range, refresh, filters).
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { PanelChrome, Stack, useStyles2 } from '@grafana/ui';
import { useDurationPercentiles, useFailureRate, useSummary, useTopFailingSteps } from '../api/hooks';
import type { StatsQuery } from '../api/types';
import { QueryError } from '../components/common/QueryError';
import { EnvironmentPicker, PipelinePicker } from '../components/controls/Filters';
import { TimeControls } from '../components/controls/TimeControls';
import { StatTiles } from '../components/overview/StatTiles';
import { TimeSeriesPanel } from '../components/overview/TimeSeriesPanel';
import { TopFailingSteps } from '../components/overview/TopFailingSteps';
import { testIds } from '../components/testIds';
import { toDurationFrame, toDurationPoints } from '../data/duration-percentiles';
import { toExecutionsPerIntervalFrame, toFailureRateFrames } from '../data/failure-rate';
import { chooseIntervalSeconds } from '../data/time';
import { useTimeRange } from '../hooks/use-time-range';
import { useUrlFilters } from '../hooks/use-url-state';

function Overview() {
  const styles = useStyles2(getStyles);
  const time = useTimeRange();
  const [filters, setFilter] = useUrlFilters();
  const query = useMemo<StatsQuery>(
    () => ({ ...time.window, pipeline: filters.pipeline, environment: filters.environment }),
    [time.window, filters.pipeline, filters.environment]
  );
  const intervalSeconds = chooseIntervalSeconds(time.window);

  const failureRate = useFailureRate(query, intervalSeconds, time.refreshKey);
  const summary = useSummary(query, time.refreshKey);
  const durations = useDurationPercentiles(query, intervalSeconds, time.refreshKey);
  const topSteps = useTopFailingSteps(query, time.refreshKey);

  const failureFrames = useMemo(
    () => (failureRate.value ? toFailureRateFrames(failureRate.value, time.window) : []),
    [failureRate.value, time.window]
  );
  const executionFrames = useMemo(
    () => (failureRate.value ? [toExecutionsPerIntervalFrame(failureRate.value, time.window)] : []),
    [failureRate.value, time.window]
  );
  const durationFrames = useMemo(
    () => (durations.value ? [toDurationFrame(toDurationPoints(durations.value, time.window))] : []),
    [durations.value, time.window]
  );
  const loading = failureRate.loading || summary.loading || durations.loading || topSteps.loading;

  return (
    <PluginPage>
      <div data-testid={testIds.overview.container} className={styles.page}>
        <div className={styles.toolbar}>
          <Stack gap={1} wrap="wrap" alignItems="center">
            <PipelinePicker window={time.window} value={filters.pipeline} onChange={(v) => setFilter('pipeline', v)} />
            <EnvironmentPicker
              window={time.window}
              value={filters.environment}
              onChange={(v) => setFilter('environment', v)}
            />
          </Stack>
          <TimeControls time={time} isLoading={loading} />
        </div>

        <QueryError title="Could not load the summary" error={summary.error} />
        <StatTiles summary={summary.value} />

        <div className={styles.row}>
          <TimeSeriesPanel
            testId={testIds.overview.failureRatePanel}
            title="Failure rate by pipeline"
            description="Share of executions that failed, per pipeline and interval"
            frames={failureFrames}
            timeRange={time.range}
            timeZone={time.timeZone}
            loading={failureRate.loading}
            error={failureRate.error}
          />
          <TimeSeriesPanel
            testId={testIds.overview.executionsPanel}
            title="Executions per interval"
            description="Executions started per interval, completed and failed stacked"
            frames={executionFrames}
            timeRange={time.range}
            timeZone={time.timeZone}
            loading={failureRate.loading}
            error={failureRate.error}
            drawStyle="bars"
            stacked
          />
        </div>

        <div className={styles.row}>
          <TimeSeriesPanel
            testId={testIds.overview.durationPanel}
            title="Execution duration p50 / p95"
            description="Percentiles of execution duration per interval"
            frames={durationFrames}
            timeRange={time.range}
            timeZone={time.timeZone}
            loading={durations.loading}
            error={durations.error}
          />
          <div className={styles.tableCell} data-testid={testIds.overview.topFailingSteps}>
            <PanelChrome
              title="Steps that fail most"
              description="Failed runs of each step, counted by the hour: whole hours from the one the time range starts in"
              loadingState={undefined}
            >
              <div className={styles.tableBody}>
                <QueryError title="Could not load failing steps" error={topSteps.error} />
                {topSteps.value && <TopFailingSteps steps={topSteps.value} environment={filters.environment} />}
              </div>
            </PanelChrome>
          </div>
        </div>
      </div>
    </PluginPage>
  );
}

export default Overview;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  toolbar: css({
    display: 'flex',
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    alignItems: 'center',
    gap: theme.spacing(1),
  }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))',
    gap: theme.spacing(2),
  }),
  tableCell: css({ minWidth: 0, height: 300 }),
  tableBody: css({ height: '100%', overflow: 'auto', padding: theme.spacing(0, 1, 1) }),
});
