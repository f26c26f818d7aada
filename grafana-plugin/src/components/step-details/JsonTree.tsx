/**
 * A JSON value as a collapsible tree (native <details>, so it opens with the
 * keyboard too). Leaves show their text exactly as stored: numbers as the
 * digits that were sent (lossless-json), strings JSON-quoted.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { isLosslessNumber } from 'lossless-json';
import { jsonLeafText } from '../../data/values';

/** Levels open at first; deeper objects and arrays start folded. */
const OPEN_DEPTH = 2;

function isBranch(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null && !isLosslessNumber(value);
}

function Leaf({ value }: { value: unknown }) {
  const styles = useStyles2(getStyles);
  const kind = isLosslessNumber(value) ? 'number' : value === null ? 'null' : typeof value;
  return (
    <span className={styles[kind as 'number' | 'string' | 'boolean' | 'null'] ?? undefined} data-json-kind={kind}>
      {jsonLeafText(value)}
    </span>
  );
}

function Node({ name, value, depth }: { name?: string; value: unknown; depth: number }) {
  const styles = useStyles2(getStyles);
  const label = name !== undefined ? <span className={styles.key}>{name}: </span> : null;
  if (!isBranch(value)) {
    return (
      <div className={styles.row}>
        {label}
        <Leaf value={value} />
      </div>
    );
  }
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className={styles.row}>
        {label}
        {open}
        {close}
      </div>
    );
  }
  return (
    <details open={depth < OPEN_DEPTH} className={styles.branch} data-json-depth={depth}>
      <summary className={styles.summary}>
        {label}
        {open}
        <span className={styles.count}>
          {' '}
          {entries.length} {Array.isArray(value) ? 'items' : 'keys'}{' '}
        </span>
        {close}
      </summary>
      <div className={styles.children}>
        {entries.map(([key, child]) => (
          <Node key={key} name={key} value={child} depth={depth + 1} />
        ))}
      </div>
    </details>
  );
}

export function JsonTree({ value }: { value: unknown }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.tree} data-testid="xray-json-tree">
      <Node value={value} depth={0} />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  tree: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    maxHeight: 480,
    overflow: 'auto',
    padding: theme.spacing(0.5, 1),
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
  }),
  row: css({ paddingLeft: theme.spacing(2), wordBreak: 'break-word' }),
  branch: css({ paddingLeft: theme.spacing(0.5) }),
  summary: css({ cursor: 'pointer' }),
  children: css({ paddingLeft: theme.spacing(1.5), borderLeft: `1px solid ${theme.colors.border.weak}` }),
  key: css({ color: theme.colors.text.secondary }),
  count: css({ color: theme.colors.text.disabled }),
  number: css({ color: theme.visualization.getColorByName('blue') }),
  string: css({ color: theme.visualization.getColorByName('green') }),
  boolean: css({ color: theme.visualization.getColorByName('orange') }),
  null: css({ color: theme.colors.text.disabled }),
});
