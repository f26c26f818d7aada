/**
 * Two executions' steps side by side: one row per aligned step (indented by
 * depth), A's and B's status and duration, the row marked added, removed or
 * changed, and under a changed row each changed field before | after, with a
 * JSON value's structural diff path by path. Every value is rendered as text.
 */
import React from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, type BadgeColor, useStyles2 } from '@grafana/ui';
import type { CompareRow, FieldChangeView } from '../../data/compare-view';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';

const KIND_COLORS: Record<CompareRow['kind'], BadgeColor> = {
  added: 'green',
  removed: 'red',
  changed: 'orange',
  unchanged: 'darkgrey',
};

function Side({ side }: { side: CompareRow['a'] }) {
  const styles = useStyles2(getStyles);
  if (!side) {
    return <span className={styles.absent}>—</span>;
  }
  return (
    <span className={styles.side}>
      <StatusBadge status={side.status} />
      <span className={styles.duration}>{side.duration}</span>
    </span>
  );
}

export function FieldChange({ change }: { change: FieldChangeView }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.change} data-testid={testIds.compare.change} data-field={change.field}>
      <div className={styles.changeLabel}>{change.label}</div>
      {change.diff.length === 0 ? (
        <div className={styles.beforeAfter}>
          <pre className={cx(styles.value, styles.before)}>{change.before}</pre>
          <pre className={cx(styles.value, styles.after)}>{change.after}</pre>
        </div>
      ) : (
        <div className={styles.diff}>
          {change.diff.map((line) => (
            <div
              key={`${line.path}-${line.kind}`}
              className={styles.diffLine}
              data-testid={testIds.compare.diffLine}
              data-kind={line.kind}
              data-path={line.path}
            >
              <code className={styles.path}>{line.path}</code>
              <pre className={cx(styles.value, line.kind !== 'added' && styles.before)}>{line.before}</pre>
              <pre className={cx(styles.value, line.kind !== 'removed' && styles.after)}>{line.after}</pre>
            </div>
          ))}
          {change.diffTruncated && <div className={styles.absent}>More differences not shown.</div>}
        </div>
      )}
    </div>
  );
}

export function CompareSteps({ rows }: { rows: CompareRow[] }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.table} role="table" aria-label="Steps of both executions">
      <div className={cx(styles.row, styles.head)} role="row">
        <span role="columnheader">Step</span>
        <span role="columnheader">A (before)</span>
        <span role="columnheader">B (after)</span>
        <span role="columnheader">Change</span>
      </div>
      {rows.map((row) => (
        <div key={row.key} data-testid={testIds.compare.row} data-kind={row.kind} data-step={row.name} role="row">
          <div className={cx(styles.row, styles[row.kind])}>
            <span className={styles.name} style={{ paddingLeft: row.depth * 16 }} title={row.key}>
              {row.name}
            </span>
            <Side side={row.a} />
            <Side side={row.b} />
            <span>
              <Badge text={row.kind} color={KIND_COLORS[row.kind]} />
            </span>
          </div>
          {row.changes.length > 0 && (
            <div className={styles.changes} style={{ marginLeft: row.depth * 16 }}>
              {row.changes.map((change) => (
                <FieldChange key={change.field} change={change} />
              ))}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({ display: 'flex', flexDirection: 'column', border: `1px solid ${theme.colors.border.weak}` }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(200px, 2fr) 1fr 1fr 120px',
    gap: theme.spacing(1),
    alignItems: 'center',
    padding: theme.spacing(0.5, 1),
    borderTop: `1px solid ${theme.colors.border.weak}`,
  }),
  head: css({ fontWeight: theme.typography.fontWeightMedium, color: theme.colors.text.secondary, borderTop: 'none' }),
  added: css({ background: theme.colors.success.transparent }),
  removed: css({ background: theme.colors.error.transparent }),
  changed: css({ background: theme.colors.warning.transparent }),
  unchanged: css({ color: theme.colors.text.secondary }),
  name: css({ fontFamily: theme.typography.fontFamilyMonospace, overflow: 'hidden', textOverflow: 'ellipsis' }),
  side: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  duration: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  absent: css({ color: theme.colors.text.disabled }),
  changes: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1), padding: theme.spacing(1, 1, 1, 4) }),
  change: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  changeLabel: css({ fontSize: theme.typography.bodySmall.fontSize, color: theme.colors.text.secondary }),
  beforeAfter: css({ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: theme.spacing(1) }),
  diff: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  diffLine: css({ display: 'grid', gridTemplateColumns: 'minmax(120px, auto) 1fr 1fr', gap: theme.spacing(1) }),
  path: css({ fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'nowrap' }),
  value: css({
    margin: 0,
    padding: theme.spacing(0.5, 1),
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontSize: theme.typography.bodySmall.fontSize,
    maxHeight: 200,
    overflow: 'auto',
  }),
  before: css({ background: theme.colors.error.transparent }),
  after: css({ background: theme.colors.success.transparent }),
});
