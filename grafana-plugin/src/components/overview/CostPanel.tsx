/**
 * Cost and tokens over time per pipeline, model or provider, from
 * `GET /stats/cost` (cost in USD drawn, input and output tokens in the
 * tooltip). A collector without that route (404) gets a plain message in
 * place of the chart rather than an error. Grouped by pipeline, each series
 * links to that pipeline's executions; grouped by model or provider, to the
 * executions of the range (the list has no model filter).
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { AbsoluteTimeRange, GrafanaTheme2, TimeRange } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import { Alert, InlineField, RadioButtonGroup, useStyles2 } from '@grafana/ui';
import { CollectorRequestError } from '../../api/client';
import { useAsyncQuery, useCollectorClient } from '../../api/hooks';
import type { CostGroupBy, StatsQuery } from '../../api/types';
import { toCostFrames } from '../../data/cost-frames';
import { withExecutionLinks, type SeriesFilter } from '../../data/data-links';
import { testIds } from '../testIds';
import { TimeSeriesPanel } from './TimeSeriesPanel';

const GROUP_OPTIONS: Array<{ label: string; value: CostGroupBy }> = [
  { label: 'Pipeline', value: 'pipeline' },
  { label: 'Model', value: 'model' },
  { label: 'Provider', value: 'provider' },
];

/** Whether a failed cost query means "this collector has no cost route" rather than a failure. */
export function isCostRouteMissing(error: Error | undefined): boolean {
  return error instanceof CollectorRequestError && error.status === 404;
}

export interface CostPanelProps {
  query: StatsQuery;
  intervalSeconds: number;
  refreshKey: number;
  groupBy: CostGroupBy;
  onGroupByChange: (groupBy: CostGroupBy) => void;
  executionsLink: (params: SeriesFilter) => string;
  timeRange: TimeRange;
  timeZone: TimeZone;
  onChangeTimeRange: (range: AbsoluteTimeRange) => void;
}

export function CostPanel(props: CostPanelProps) {
  const styles = useStyles2(getStyles);
  const client = useCollectorClient();
  const { query, intervalSeconds, refreshKey, groupBy, executionsLink } = props;
  const stats = useAsyncQuery(JSON.stringify([query, intervalSeconds, refreshKey, groupBy]), () =>
    client.costStats({ ...query, intervalSeconds, groupBy })
  );
  const frames = useMemo(
    () =>
      stats.value
        ? withExecutionLinks(
            toCostFrames(stats.value, query),
            (frame) => (groupBy === 'pipeline' ? { pipeline: frame.name } : {}),
            executionsLink,
            (frame) => (groupBy === 'pipeline' ? `Executions of ${frame.name}` : 'Executions of this range')
          )
        : [],
    [stats.value, query, groupBy, executionsLink]
  );
  const missing = isCostRouteMissing(stats.error);
  const totals = stats.value?.totals;

  return (
    <div className={styles.cell}>
      <div className={styles.controls}>
        <InlineField label="Cost by">
          <RadioButtonGroup
            size="sm"
            options={GROUP_OPTIONS}
            value={groupBy}
            onChange={(value) => props.onGroupByChange(value)}
          />
        </InlineField>
        {totals && (
          <span className={styles.totals}>
            ${totals.costUsd.toFixed(4)} · {totals.inputTokens.toLocaleString('en-US')} input and{' '}
            {totals.outputTokens.toLocaleString('en-US')} output tokens
          </span>
        )}
      </div>
      {missing ? (
        <div data-testid={testIds.overview.costUnavailable}>
          <Alert severity="info" title="Cost and tokens over time are not available">
            This collector does not answer GET /api/v1/stats/cost (404). Upgrade the collector to see cost and tokens
            per pipeline, model and provider; each execution&apos;s totals are on its page.
          </Alert>
        </div>
      ) : (
        <TimeSeriesPanel
          testId={testIds.overview.costPanel}
          title={`Cost by ${groupBy}`}
          description="Cost in USD of the steps that started in each interval; tokens in the tooltip"
          frames={frames}
          onChangeTimeRange={props.onChangeTimeRange}
          timeRange={props.timeRange}
          timeZone={props.timeZone}
          loading={stats.loading}
          error={stats.error}
          drawStyle="bars"
          stacked
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  cell: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  controls: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  totals: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
