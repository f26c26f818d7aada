/** The window's totals: executions, failures, failure rate and durations. */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import type { SummaryResponse } from '../../api/types';
import { formatDurationMs } from '../../data/time';
import { testIds } from '../testIds';

interface Tile {
  id: string;
  label: string;
  value: string;
  tone?: 'error' | 'normal';
}

function tilesOf(summary: SummaryResponse | undefined): Tile[] {
  const show = (text: (s: SummaryResponse) => string) => (summary ? text(summary) : '–');
  return [
    { id: 'executions', label: 'Executions', value: show((s) => s.executions.toLocaleString('en-US')) },
    {
      id: 'failed',
      label: 'Failed',
      value: show((s) => s.failed.toLocaleString('en-US')),
      tone: summary && summary.failed > 0 ? 'error' : 'normal',
    },
    {
      id: 'failure-rate',
      label: 'Failure rate',
      value: show((s) => `${(s.failureRate * 100).toFixed(1)}%`),
      tone: summary && summary.failed > 0 ? 'error' : 'normal',
    },
    { id: 'avg', label: 'Avg duration', value: show((s) => (s.executions ? formatDurationMs(s.avgDurationMs) : '–')) },
    { id: 'p50', label: 'p50 duration', value: show((s) => (s.executions ? formatDurationMs(s.p50DurationMs) : '–')) },
    { id: 'p95', label: 'p95 duration', value: show((s) => (s.executions ? formatDurationMs(s.p95DurationMs) : '–')) },
  ];
}

export function StatTiles({ summary }: { summary: SummaryResponse | undefined }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.grid}>
      {tilesOf(summary).map((tile) => (
        <div key={tile.id} className={styles.tile} data-testid={testIds.overview.stat} data-stat={tile.id}>
          <div className={styles.label}>{tile.label}</div>
          <div className={tile.tone === 'error' ? styles.errorValue : styles.value} data-stat-value>
            {tile.value}
          </div>
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fit, minmax(150px, 1fr))',
    gap: theme.spacing(1),
  }),
  tile: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
  }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  value: css({ fontSize: theme.typography.h2.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  errorValue: css({
    fontSize: theme.typography.h2.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    color: theme.colors.error.text,
  }),
});
