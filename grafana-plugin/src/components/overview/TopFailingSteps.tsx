/** The steps that fail most, each linking to its failing executions. */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { type Column, InteractiveTable, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { FailingStep } from '../../data/top-failing-steps';
import { executionUrl, prefixRoute, ROUTES } from '../../constants';
import { testIds } from '../testIds';

function failingExecutionsUrl(step: FailingStep): string {
  const query = new URLSearchParams({ step: step.name, pipeline: step.pipeline, status: 'failed' });
  return `${prefixRoute(ROUTES.Executions)}?${query.toString()}`;
}

export function TopFailingSteps({ steps }: { steps: FailingStep[] }) {
  const styles = useStyles2(getStyles);
  const columns = useMemo<Array<Column<FailingStep>>>(
    () => [
      {
        id: 'name',
        header: 'Step',
        cell: ({ row: { original } }) => (
          <span className={styles.name}>
            <TextLink href={failingExecutionsUrl(original)} inline={false}>
              {original.name}
            </TextLink>
          </span>
        ),
      },
      { id: 'pipeline', header: 'Pipeline' },
      {
        id: 'failures',
        header: 'Failures',
        sortType: 'number',
        cell: ({ row: { original } }) => (
          <Text color="error" weight="medium">
            {original.failures}
          </Text>
        ),
      },
      {
        id: 'lastError',
        header: 'Latest error',
        cell: ({ row: { original } }) => (
          <span className={styles.error} title={original.lastError}>
            <TextLink href={executionUrl(original.lastExecutionId)} inline={false} color="secondary">
              {original.lastError || '(no message)'}
            </TextLink>
          </span>
        ),
      },
      {
        id: 'lastFailedAt',
        header: 'Last failed',
        cell: ({ row: { original } }) => <Text color="secondary">{dateTimeFormatTimeAgo(original.lastFailedAt)}</Text>,
      },
    ],
    [styles]
  );
  if (steps.length === 0) {
    return (
      <Text color="secondary" italic>
        No step failed in this time range.
      </Text>
    );
  }
  return (
    <div data-testid={`${testIds.overview.topFailingSteps}-table`}>
      <InteractiveTable columns={columns} data={steps} getRowId={(step) => `${step.pipeline}/${step.name}`} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  name: css({ whiteSpace: 'nowrap' }),
  error: css({
    display: 'inline-block',
    maxWidth: 320,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    verticalAlign: 'bottom',
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
});
