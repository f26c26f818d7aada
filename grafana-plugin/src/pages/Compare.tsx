/**
 * Compare: two executions side by side (`?a=&b=`, A the before, B the
 * after), as the collector aligns them (`GET /executions/compare`): the
 * execution's own changes, then every step with what was added, removed or
 * changed and the structural diff of changed inputs, outputs and reasoning.
 * Opened from the Executions page by picking two rows.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, InlineSwitch, LinkButton, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useAsyncQuery, useCollectorClient } from '../api/hooks';
import type { CompareExecutionSide } from '../api/types';
import { QueryError } from '../components/common/QueryError';
import { StatusBadge } from '../components/common/StatusBadge';
import { CompareSteps, FieldChange } from '../components/compare/CompareSteps';
import { testIds } from '../components/testIds';
import { executionUrl, prefixRoute, ROUTES } from '../constants';
import { toCompareRows, toFieldChangeView } from '../data/compare-view';
import { formatDurationMs } from '../data/time';
import { useLinkWithTimeContext, useQueryParams } from '../hooks/use-url-state';

function ExecutionCard({ label, side }: { label: string; side: CompareExecutionSide }) {
  const styles = useStyles2(getStyles);
  const link = useLinkWithTimeContext();
  return (
    <div className={styles.card}>
      <Text color="secondary">{label}</Text>
      <Link to={link(executionUrl(side.executionId))} className={styles.id}>
        {side.executionId}
      </Link>
      <Stack gap={1} alignItems="center">
        <StatusBadge status={side.status} />
        <span>{side.pipeline}</span>
        <Text color="secondary">
          {side.startTime ? dateTimeFormat(side.startTime, { format: 'YYYY-MM-DD HH:mm:ss' }) : ''} ·{' '}
          {formatDurationMs(side.durationMs)} · {side.stepCount} steps
        </Text>
      </Stack>
    </div>
  );
}

function Compare() {
  const styles = useStyles2(getStyles);
  const [query] = useQueryParams();
  const a = typeof query.a === 'string' ? query.a : '';
  const b = typeof query.b === 'string' ? query.b : '';
  const client = useCollectorClient();
  const result = useAsyncQuery(JSON.stringify([a, b]), () => client.compareExecutions(a, b), a !== '' && b !== '');
  const [onlyChanges, setOnlyChanges] = useState(false);
  const rows = useMemo(() => (result.value ? toCompareRows(result.value) : []), [result.value]);
  const shown = onlyChanges ? rows.filter((row) => row.kind !== 'unchanged') : rows;
  const link = useLinkWithTimeContext();

  return (
    <PluginPage pageNav={{ text: 'Compare' }}>
      <div data-testid={testIds.compare.container} className={styles.page}>
        {(a === '' || b === '') && (
          <Alert severity="info" title="Pick two executions">
            Pick two rows on the Executions page and press Compare.
          </Alert>
        )}
        <QueryError title="Could not compare these executions" error={result.error} />
        {result.loading && !result.value && <LoadingPlaceholder text="Comparing…" />}
        {result.value && (
          <>
            <div className={styles.cards}>
              <ExecutionCard label="A (before)" side={result.value.a} />
              <ExecutionCard label="B (after)" side={result.value.b} />
            </div>
            <Stack gap={2} alignItems="center" wrap="wrap">
              <span data-testid={testIds.compare.summary} className={styles.summary}>
                {result.value.summary.changed} changed · {result.value.summary.added} added ·{' '}
                {result.value.summary.removed} removed · {result.value.summary.unchanged} unchanged
              </span>
              <InlineSwitch
                label="Only changes"
                showLabel
                value={onlyChanges}
                onChange={(event) => setOnlyChanges(event.currentTarget.checked)}
              />
              <LinkButton
                variant="secondary"
                size="sm"
                icon="exchange-alt"
                href={link(prefixRoute(ROUTES.Compare), { a: b, b: a })}
              >
                Swap A and B
              </LinkButton>
            </Stack>
            {result.value.execution.changes.length > 0 && (
              <div className={styles.executionChanges}>
                <Text weight="medium">The executions differ in</Text>
                {result.value.execution.changes.map((change) => (
                  <FieldChange key={change.field} change={toFieldChangeView(change)} />
                ))}
              </div>
            )}
            <CompareSteps rows={shown} />
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default Compare;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  cards: css({ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: theme.spacing(2) }),
  card: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1, 2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
  }),
  id: css({ fontFamily: theme.typography.fontFamilyMonospace, color: theme.colors.text.link }),
  summary: css({ fontWeight: theme.typography.fontWeightMedium }),
  executionChanges: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
});
