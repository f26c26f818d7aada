/** Executions as a table; each row links to its execution page. */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Checkbox, type Column, InteractiveTable, Text, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import type { ExecutionSummary } from '../../api/types';
import { executionUrl } from '../../constants';
import { costCell, totalTokens, tokensCell, type UsageCell } from '../../data/execution-usage';
import { formatDurationMs } from '../../data/time';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';
import { useLinkWithTimeContext } from '../../hooks/use-url-state';

/** Rows picked for comparing: a checkbox per row, at most two picked. */
export interface RowSelection {
  selected: ReadonlySet<string>;
  onToggle: (execution: ExecutionSummary) => void;
}

/** Sorts by a number of the row (absent counts as 0). */
const byNumber =
  (value: (execution: ExecutionSummary) => number) =>
  (a: { original: ExecutionSummary }, b: { original: ExecutionSummary }) =>
    value(a.original) - value(b.original);

function UsageText({ cell, testId }: { cell: UsageCell; testId: string }) {
  return cell.text ? (
    <span data-testid={testId} title={cell.title}>
      {cell.text}
    </span>
  ) : null;
}

export function ExecutionsTable({
  executions,
  selection,
}: {
  executions: ExecutionSummary[];
  selection?: RowSelection;
}) {
  const styles = useStyles2(getStyles);
  // The execution page keeps this page's time range, refresh and time zone (and its way back does too).
  const link = useLinkWithTimeContext();
  const columns = useMemo<Array<Column<ExecutionSummary>>>(
    () => [
      ...(selection
        ? [
            {
              id: 'select',
              header: 'Compare',
              cell: ({ row: { original } }: { row: { original: ExecutionSummary } }) => {
                const checked = selection.selected.has(original.executionId);
                return (
                  <Checkbox
                    data-testid={testIds.compare.select}
                    data-execution-id={original.executionId}
                    aria-label={`Pick execution ${original.executionId} to compare`}
                    value={checked}
                    disabled={!checked && selection.selected.size >= 2}
                    onChange={() => selection.onToggle(original)}
                  />
                );
              },
            } satisfies Column<ExecutionSummary>,
          ]
        : []),
      {
        id: 'startTime',
        header: 'Started',
        cell: ({ row: { original } }) => (
          <Link
            to={link(executionUrl(original.executionId))}
            className={styles.link}
            data-testid={testIds.executions.link}
            data-execution-id={original.executionId}
          >
            {dateTimeFormat(original.startTime, { format: 'YYYY-MM-DD HH:mm:ss' })}
          </Link>
        ),
      },
      { id: 'pipeline', header: 'Pipeline' },
      { id: 'environment', header: 'Environment' },
      {
        id: 'status',
        header: 'Status',
        cell: ({ row: { original } }) => (
          <span data-testid={testIds.executions.row} data-status={original.status}>
            <StatusBadge status={original.status} />
          </span>
        ),
      },
      {
        id: 'durationMs',
        header: 'Duration',
        sortType: 'number',
        cell: ({ row: { original } }) => formatDurationMs(original.durationMs),
      },
      {
        id: 'stepCount',
        header: 'Steps',
        sortType: 'number',
        cell: ({ row: { original } }) => (
          <span>
            {original.stepCount.toLocaleString('en-US')}
            {original.errorCount > 0 && <Text color="error"> ({original.errorCount} failed)</Text>}
          </span>
        ),
      },
      {
        id: 'tokens',
        header: 'Tokens',
        sortType: byNumber(totalTokens),
        cell: ({ row: { original } }) => <UsageText cell={tokensCell(original)} testId={testIds.executions.tokens} />,
      },
      {
        id: 'costUsd',
        header: 'Cost',
        sortType: byNumber((execution) => execution.costUsd ?? 0),
        cell: ({ row: { original } }) => <UsageText cell={costCell(original)} testId={testIds.executions.cost} />,
      },
      {
        id: 'errorMessage',
        header: 'Error',
        cell: ({ row: { original } }) => (
          <span className={styles.error} title={original.errorMessage}>
            {original.errorMessage}
          </span>
        ),
      },
      {
        id: 'executionId',
        header: 'Execution',
        cell: ({ row: { original } }) => <span className={styles.id}>{original.executionId}</span>,
      },
    ],
    [styles, link, selection]
  );
  return (
    // Wide rows (long ids and errors) scroll sideways inside the table instead of widening the page.
    <div data-testid={testIds.executions.table} className={styles.scroll}>
      <InteractiveTable columns={columns} data={executions} getRowId={(execution) => execution.executionId} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  scroll: css({ overflowX: 'auto', maxWidth: '100%' }),
  link: css({
    color: theme.colors.text.link,
    whiteSpace: 'nowrap',
    '&:hover': { textDecoration: 'underline' },
  }),
  error: css({
    display: 'inline-block',
    maxWidth: 360,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    verticalAlign: 'bottom',
    color: theme.colors.error.text,
  }),
  id: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
});
