/**
 * Overview: how the pipelines behave over the chosen time range — failure
 * rate per pipeline, executions per interval, p50/p95 duration, and the
 * steps that fail most — filtered by pipeline and environment. Everything is
 * in the URL (time range, refresh, filters).
 */
import React, { useCallback, useMemo } from 'react';
import { css } from '@emotion/css';
import { type AbsoluteTimeRange, dateTime, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { PanelChrome, Stack, useStyles2 } from '@grafana/ui';
import {
  useDurationPercentiles,
  useDurationsByPipeline,
  useFailureRate,
  useSummary,
  useTopFailingSteps,
} from '../api/hooks';
import { adaptiveIntervalSeconds, rebucketFailureRate } from '../data/adaptive-buckets';
import { toP95ByPipelineFrames } from '../data/p95-by-pipeline';
import type { CostGroupBy, StatsQuery } from '../api/types';
import { QueryError } from '../components/common/QueryError';
import { EnvironmentPicker, PipelinePicker } from '../components/controls/Filters';
import { TimeControls } from '../components/controls/TimeControls';
import { StatTiles } from '../components/overview/StatTiles';
import { TimeSeriesPanel } from '../components/overview/TimeSeriesPanel';
import { TopFailingSteps } from '../components/overview/TopFailingSteps';
import { CostPanel } from '../components/overview/CostPanel';
import { DEFAULT_SCORE_NAME, DEFAULT_WRONG_VALUE, ScoreSharePanel } from '../components/overview/ScoreSharePanel';
import { testIds } from '../components/testIds';
import { toDurationFrame, toDurationPoints } from '../data/duration-percentiles';
import { toExecutionsPerIntervalFrame, toFailureRateFrames } from '../data/failure-rate';
import { chooseIntervalSeconds } from '../data/time';
import { useTimeRange } from '../hooks/use-time-range';
import { useLinkWithTimeContext, useQueryParams, useUrlFilters } from '../hooks/use-url-state';
import { withExecutionLinks } from '../data/data-links';
import { prefixRoute, ROUTES } from '../constants';

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
  const durationsByPipeline = useDurationsByPipeline(query, intervalSeconds, time.refreshKey);

  // Rates over buckets wide enough to hold a few executions each (counts stay per interval).
  const failureFrames = useMemo(() => {
    if (!failureRate.value) {
      return [];
    }
    const interval = adaptiveIntervalSeconds(failureRate.value, time.window);
    return toFailureRateFrames(rebucketFailureRate(failureRate.value, interval), time.window);
  }, [failureRate.value, time.window]);
  const p95Frames = useMemo(
    () => (durationsByPipeline.value ? toP95ByPipelineFrames(durationsByPipeline.value, time.window) : []),
    [durationsByPipeline.value, time.window]
  );
  const executionFrames = useMemo(
    () => (failureRate.value ? [toExecutionsPerIntervalFrame(failureRate.value, time.window)] : []),
    [failureRate.value, time.window]
  );
  const durationFrames = useMemo(
    () => (durations.value ? [toDurationFrame(toDurationPoints(durations.value, time.window))] : []),
    [durations.value, time.window]
  );
  // From a spike to its executions: every series links to the Executions page with this page's
  // time context and filters, plus the series' own pipeline or status.
  const link = useLinkWithTimeContext();
  const executionsLink = useCallback(
    (params: Record<string, string | undefined>) =>
      link(prefixRoute(ROUTES.Executions), { pipeline: filters.pipeline, environment: filters.environment, ...params }),
    [link, filters.pipeline, filters.environment]
  );
  const linkedFailureFrames = useMemo(
    () =>
      withExecutionLinks(
        failureFrames,
        (frame) => ({ pipeline: frame.name, status: 'failed' }),
        executionsLink,
        (frame) => `Failed executions of ${frame.name}`
      ),
    [failureFrames, executionsLink]
  );
  const linkedExecutionFrames = useMemo(
    () =>
      withExecutionLinks(
        executionFrames,
        (_frame, field) => ({ status: field === 'Failed' ? 'failed' : 'completed' }),
        executionsLink,
        (_frame, field) => `${field} executions`
      ),
    [executionFrames, executionsLink]
  );
  const linkedDurationFrames = useMemo(
    () =>
      withExecutionLinks(
        durationFrames,
        () => ({}),
        executionsLink,
        () => 'Executions of this range'
      ),
    [durationFrames, executionsLink]
  );
  // Drag-to-zoom: the dragged range becomes the page's (absolute) range, in the URL.
  const { setRange } = time;
  const zoomTo = useCallback(
    ({ from, to }: AbsoluteTimeRange) => {
      const range = { from: dateTime(from), to: dateTime(to) };
      setRange({ ...range, raw: range });
    },
    [setRange]
  );
  const linkedP95Frames = useMemo(
    () =>
      withExecutionLinks(
        p95Frames,
        (frame) => ({ pipeline: frame.name }),
        executionsLink,
        (frame) => `Executions of ${frame.name}`
      ),
    [p95Frames, executionsLink]
  );

  // The score panel's score and value, and the cost panel's grouping, live in the URL too.
  const [urlQuery, updateUrl] = useQueryParams();
  const scoreName =
    typeof urlQuery.scoreName === 'string' && urlQuery.scoreName ? urlQuery.scoreName : DEFAULT_SCORE_NAME;
  const wrongValue =
    urlQuery.wrongValue !== undefined && urlQuery.wrongValue !== '' ? String(urlQuery.wrongValue) : DEFAULT_WRONG_VALUE;
  const costBy: CostGroupBy =
    urlQuery.costBy === 'model' || urlQuery.costBy === 'provider' ? urlQuery.costBy : 'pipeline';

  const loading = failureRate.loading || summary.loading || durations.loading || topSteps.loading;
  // Every panel shares the page's time range and zone, and drag-to-zoom sets the page's range.
  const panelTime = { timeRange: time.range, timeZone: time.timeZone, onChangeTimeRange: zoomTo };

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
            frames={linkedFailureFrames}
            {...panelTime}
            loading={failureRate.loading}
            error={failureRate.error}
          />
          <TimeSeriesPanel
            testId={testIds.overview.executionsPanel}
            title="Executions per interval"
            description="Executions started per interval, completed and failed stacked"
            frames={linkedExecutionFrames}
            {...panelTime}
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
            frames={linkedDurationFrames}
            {...panelTime}
            loading={durations.loading}
            error={durations.error}
          />
          <TimeSeriesPanel
            testId={testIds.overview.p95ByPipelinePanel}
            title="p95 duration by pipeline"
            description="Each pipeline's own 95th percentile of execution duration per interval"
            frames={linkedP95Frames}
            {...panelTime}
            loading={durationsByPipeline.loading}
            error={durationsByPipeline.error}
          />
        </div>

        <div className={styles.row}>
          <ScoreSharePanel
            query={query}
            intervalSeconds={intervalSeconds}
            refreshKey={time.refreshKey}
            scoreName={scoreName}
            wrongValue={wrongValue}
            onScoreChange={(name, value) => updateUrl({ scoreName: name, wrongValue: value })}
            executionsLink={executionsLink}
            {...panelTime}
          />
          <CostPanel
            query={query}
            intervalSeconds={intervalSeconds}
            refreshKey={time.refreshKey}
            groupBy={costBy}
            onGroupByChange={(groupBy) => updateUrl({ costBy: groupBy === 'pipeline' ? undefined : groupBy })}
            executionsLink={executionsLink}
            {...panelTime}
          />
        </div>

        <div className={styles.row}>
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
