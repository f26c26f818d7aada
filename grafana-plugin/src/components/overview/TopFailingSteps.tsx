/**
 * The steps that fail most, as the collector counts them: failed runs out of
 * all runs, the failure rate and the latest error. Each step links to its
 * failing executions, each error to the execution it came from.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormatTimeAgo, type GrafanaTheme2 } from '@grafana/data';
import { type Column, InteractiveTable, Text, TextLink, useStyles2 } from '@grafana/ui';
import type { FailingStep } from '../../data/top-failing-steps';
import { executionUrl, prefixRoute, ROUTES } from '../../constants';
import { testIds } from '../testIds';
import { useLinkWithTimeContext } from '../../hooks/use-url-state';

export function TopFailingSteps({ steps, environment }: { steps: FailingStep[]; environment?: string }) {
  const styles = useStyles2(getStyles);
  // Links keep the page's time range, refresh and time zone.
  const link = useLinkWithTimeContext();
  const failingExecutionsUrl = (step: FailingStep) =>
    link(prefixRoute(ROUTES.Executions), { step: step.name, pipeline: step.pipeline, status: 'failed', environment });
  const columns = useMemo<Array<Column<FailingStep>>>(
    () => [
      {
        id: 'name',
        header: 'Step',
        cell: ({ row: { original } }) => (
          <span className={styles.nowrap}>
            <TextLink href={failingExecutionsUrl(original)} inline={false}>
              {original.name}
            </TextLink>
          </span>
        ),
      },
      {
        id: 'pipeline',
        header: 'Pipeline',
        cell: ({ row: { original } }) => <span className={styles.nowrap}>{original.pipeline}</span>,
      },
      {
        id: 'failed',
        header: 'Failed',
        sortType: 'number',
        cell: ({ row: { original } }) => (
          <span className={styles.nowrap}>
            <Text color="error" weight="medium">
              {original.failed.toLocaleString('en-US')}
            </Text>
            <Text color="secondary"> of {original.total.toLocaleString('en-US')}</Text>
          </span>
        ),
      },
      {
        id: 'failureRate',
        header: 'Rate',
        sortType: 'number',
        cell: ({ row: { original } }) => <Text>{`${(original.failureRate * 100).toFixed(1)}%`}</Text>,
      },
      {
        id: 'latest',
        header: 'Latest failure',
        cell: ({ row: { original } }) =>
          original.latest ? (
            <div className={styles.latest}>
              <span className={styles.error} title={original.latest.error}>
                <TextLink href={link(executionUrl(original.latest.executionId))} inline={false} color="secondary">
                  {original.latest.error || '(no message)'}
                </TextLink>
              </span>
              <Text color="secondary" variant="bodySmall">
                {dateTimeFormatTimeAgo(original.latest.at)}
              </Text>
            </div>
          ) : (
            <Text color="secondary">–</Text>
          ),
      },
    ],
    [styles, environment, link] // eslint-disable-line react-hooks/exhaustive-deps
  );
  if (steps.length === 0) {
    return (
      <Text color="secondary" italic>
        No step failed in this time range.
      </Text>
    );
  }
  return (
    <div data-testid={`${testIds.overview.topFailingSteps}-table`} className={styles.scroll}>
      <InteractiveTable columns={columns} data={steps} getRowId={(step) => `${step.pipeline}/${step.name}`} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  nowrap: css({ whiteSpace: 'nowrap' }),
  scroll: css({ overflowX: 'auto', maxWidth: '100%' }),
  latest: css({ display: 'flex', flexDirection: 'column', minWidth: 0 }),
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
