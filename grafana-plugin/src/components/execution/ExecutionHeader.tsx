/** What an execution was: pipeline, outcome, when, how long, how many steps. */
import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Alert, useStyles2 } from '@grafana/ui';
import type { ExecutionDetail } from '../../api/types';
import { formatDurationMs } from '../../data/time';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';

interface Props {
  execution: ExecutionDetail | null;
  stepCount: number;
  failedCount: number;
}

export function ExecutionHeader({ execution, stepCount, failedCount }: Props) {
  const styles = useStyles2(getStyles);
  if (!execution) {
    return (
      <Alert severity="info" title="The execution's root span has not arrived yet">
        Showing the {stepCount} steps received so far.
      </Alert>
    );
  }
  const facts: Array<[string, React.ReactNode]> = [
    ['Pipeline', execution.pipeline],
    ['Environment', execution.environment || '–'],
    ['Service', execution.serviceName || '–'],
    ['Started', dateTimeFormat(execution.startTime, { format: 'YYYY-MM-DD HH:mm:ss.SSS' })],
    ['Duration', formatDurationMs(execution.durationMs)],
    ['Steps', `${stepCount.toLocaleString('en-US')}${failedCount ? ` (${failedCount} failed)` : ''}`],
  ];
  return (
    <div className={styles.header} data-testid={testIds.execution.header} data-status={execution.status}>
      <StatusBadge status={execution.status} />
      {facts.map(([label, value]) => (
        <div key={label} className={styles.fact}>
          <span className={styles.label}>{label}</span>
          <span>{value}</span>
        </div>
      ))}
      {execution.droppedSteps > 0 && (
        <div className={styles.fact}>
          <span className={styles.label}>Dropped</span>
          <span className={styles.warning}>{execution.droppedSteps} steps not recorded (SDK caps)</span>
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  header: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(3),
    padding: theme.spacing(1.5, 2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
  }),
  fact: css({ display: 'flex', flexDirection: 'column' }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  warning: css({ color: theme.colors.warning.text }),
});
