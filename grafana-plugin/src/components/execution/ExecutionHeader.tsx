/**
 * What an execution was: pipeline, outcome, when, how long, how many steps,
 * tokens and cost over all its steps, and the metadata it was started with.
 */
import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Alert, useStyles2 } from '@grafana/ui';
import type { ExecutionDetail } from '../../api/types';
import { formatDurationMs } from '../../data/time';
import { formatUsage, type UsageTotals } from '../../data/usage-totals';
import { ValueBlock } from '../step-details/ValueBlock';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';

interface Props {
  execution: ExecutionDetail | null;
  stepCount: number;
  failedCount: number;
  usage?: UsageTotals;
}

/** A recorded value (outcome, metadata) as the JSON text the viewer shows; '' when absent. */
function asJsonText(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function ExecutionHeader({ execution, stepCount, failedCount, usage }: Props) {
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
  const usageText = usage ? formatUsage(usage) : '';
  // The stored texts when the route sends them (exact digits), else the parsed values.
  const outcome = asJsonText(execution.finalOutcomeText || execution.finalOutcome);
  const metadata = asJsonText(execution.metadataText || execution.metadata);
  return (
    <div className={styles.header} data-testid={testIds.execution.header} data-status={execution.status}>
      <StatusBadge status={execution.status} />
      {facts.map(([label, value]) => (
        <div key={label} className={styles.fact}>
          <span className={styles.label}>{label}</span>
          <span>{value}</span>
        </div>
      ))}
      {usageText && (
        <div className={styles.fact} data-testid={testIds.execution.usage}>
          <span className={styles.label}>Tokens · cost ({usage!.modelSteps} model steps)</span>
          <span>{usageText}</span>
        </div>
      )}
      {outcome && (
        <div className={styles.wide} data-testid={testIds.execution.outcome}>
          <span className={styles.label}>Outcome</span>
          <ValueBlock raw={outcome} label="Outcome" />
        </div>
      )}
      {metadata && metadata !== '{}' && (
        <div className={styles.wide} data-testid={testIds.execution.metadata}>
          <span className={styles.label}>Metadata</span>
          <ValueBlock raw={metadata} label="Metadata" />
        </div>
      )}
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
  wide: css({ display: 'flex', flexDirection: 'column', flexBasis: '100%', minWidth: 0 }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  warning: css({ color: theme.colors.warning.text }),
});
