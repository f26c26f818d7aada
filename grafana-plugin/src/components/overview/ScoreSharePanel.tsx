/**
 * "Share of decisions marked wrong": per pipeline and interval, the share of
 * scored executions whose latest score of a name (default `correct`) has the
 * wrong value (default `false`), from `GET /stats/scores`. Each series links
 * to those executions (`score.<name>=<value>` and the pipeline on the
 * Executions page). The score name and value are kept in the URL.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { AbsoluteTimeRange, GrafanaTheme2, TimeRange } from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import { InlineField, Input, useStyles2 } from '@grafana/ui';
import { useAsyncQuery, useCollectorClient } from '../../api/hooks';
import type { StatsQuery } from '../../api/types';
import { withExecutionLinks, type SeriesFilter } from '../../data/data-links';
import { scoreTotals, toScoreShareFrames } from '../../data/score-share';
import { testIds } from '../testIds';
import { TimeSeriesPanel } from './TimeSeriesPanel';

export const DEFAULT_SCORE_NAME = 'correct';
export const DEFAULT_WRONG_VALUE = 'false';

export interface ScoreSharePanelProps {
  query: StatsQuery;
  intervalSeconds: number;
  refreshKey: number;
  scoreName: string;
  wrongValue: string;
  onScoreChange: (scoreName: string, wrongValue: string) => void;
  executionsLink: (params: SeriesFilter) => string;
  timeRange: TimeRange;
  timeZone: TimeZone;
  onChangeTimeRange: (range: AbsoluteTimeRange) => void;
}

/** Commits on Enter or blur, so typing a name does not query each keystroke. */
function CommitInput({
  value,
  onCommit,
  width,
  label,
}: {
  value: string;
  onCommit: (v: string) => void;
  width: number;
  label: string;
}) {
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setText(value);
  }
  const commit = () => text.trim() && text.trim() !== value && onCommit(text.trim());
  return (
    <Input
      aria-label={label}
      width={width}
      value={text}
      onChange={(event) => setText(event.currentTarget.value)}
      onKeyDown={(event) => event.key === 'Enter' && commit()}
      onBlur={commit}
    />
  );
}

export function ScoreSharePanel(props: ScoreSharePanelProps) {
  const styles = useStyles2(getStyles);
  const client = useCollectorClient();
  const { query, intervalSeconds, refreshKey, scoreName, wrongValue } = props;
  const stats = useAsyncQuery(JSON.stringify([query, intervalSeconds, refreshKey, scoreName]), () =>
    client.scoreStats({ ...query, intervalSeconds, name: scoreName })
  );
  const { executionsLink } = props;
  const frames = useMemo(() => {
    if (!stats.value) {
      return [];
    }
    return withExecutionLinks(
      toScoreShareFrames(stats.value, query, wrongValue),
      (frame) => ({ pipeline: frame.name, [`score.${scoreName}`]: wrongValue }),
      executionsLink,
      (frame) => `Executions of ${frame.name} scored ${scoreName}=${wrongValue}`
    );
  }, [stats.value, query, wrongValue, scoreName, executionsLink]);
  const totals = stats.value ? scoreTotals(stats.value, wrongValue) : undefined;

  return (
    <div className={styles.cell}>
      <div className={styles.controls}>
        <InlineField label="Score" tooltip="The score whose value marks a decision wrong">
          <CommitInput
            label="Score name"
            width={16}
            value={scoreName}
            onCommit={(name) => props.onScoreChange(name, wrongValue)}
          />
        </InlineField>
        <InlineField label="Wrong when">
          <CommitInput
            label="Wrong value"
            width={12}
            value={wrongValue}
            onCommit={(value) => props.onScoreChange(scoreName, value)}
          />
        </InlineField>
        {totals && (
          <span className={styles.totals}>
            {totals.wrong.toLocaleString('en-US')} of {totals.scored.toLocaleString('en-US')} scored executions marked
            wrong
          </span>
        )}
      </div>
      <TimeSeriesPanel
        testId={testIds.overview.scoreSharePanel}
        title={`Share of decisions marked wrong (${scoreName} = ${wrongValue})`}
        description="Per pipeline and interval: scored executions whose latest score of this name has this value, over all scored executions"
        frames={frames}
        onChangeTimeRange={props.onChangeTimeRange}
        timeRange={props.timeRange}
        timeZone={props.timeZone}
        loading={stats.loading}
        error={stats.error}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  cell: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), minWidth: 0 }),
  controls: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  totals: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
