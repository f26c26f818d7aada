/**
 * One serialized value (input, output, stack, attribute): JSON as a
 * collapsible tree (or its exact pretty text), other long values collapsed
 * to their first lines with a toggle, and a copy button that copies the
 * value exactly as stored.
 */
import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, ClipboardButton, Text, useStyles2 } from '@grafana/ui';
import { previewOf, toDisplayValue } from '../../data/values';
import { JsonTree } from './JsonTree';
import { testIds } from '../testIds';

interface Props {
  raw: string;
  label: string;
  /** Attribute values: no copy button, plain text when short. */
  compact?: boolean;
}

export function ValueBlock({ raw, label, compact = false }: Props) {
  const styles = useStyles2(getStyles);
  const value = useMemo(() => toDisplayValue(raw), [raw]);
  const [expanded, setExpanded] = useState(false);
  const [asText, setAsText] = useState(false);

  if (value.kind === 'empty') {
    return (
      <Text color="secondary" italic>
        empty
      </Text>
    );
  }
  if (compact && !value.isLong && value.kind === 'text') {
    return <span className={styles.inline}>{value.text}</span>;
  }
  const asTree = value.kind === 'json' && !compact && !asText;
  const shown = value.isLong && !expanded ? previewOf(value) : value.text;
  return (
    <div
      className={styles.block}
      data-kind={value.kind}
      data-collapsed={!asTree && value.isLong && !expanded ? 'true' : 'false'}
    >
      {asTree ? <JsonTree value={value.parsed} /> : <pre className={styles.pre}>{shown}</pre>}
      <div className={styles.actions}>
        {value.kind === 'json' && !compact && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon={asTree ? 'brackets-curly' : 'list-ul'}
            onClick={() => setAsText(!asText)}
          >
            {asTree ? 'Text' : 'Tree'}
          </Button>
        )}
        {!asTree && value.isLong && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            icon={expanded ? 'angle-up' : 'angle-down'}
            onClick={() => setExpanded(!expanded)}
            data-testid={testIds.stepDetails.expand}
          >
            {expanded ? 'Show less' : `Show all (${value.lineCount.toLocaleString('en-US')} lines)`}
          </Button>
        )}
        {!compact && (
          <ClipboardButton size="sm" variant="secondary" fill="text" icon="copy" getText={() => raw}>
            Copy {label.toLowerCase()}
          </ClipboardButton>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  block: css({ minWidth: 0 }),
  pre: css({
    margin: 0,
    maxHeight: 480,
    overflow: 'auto',
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    border: `1px solid ${theme.colors.border.weak}`,
  }),
  actions: css({ display: 'flex', gap: theme.spacing(1), marginTop: theme.spacing(0.5) }),
  inline: css({ wordBreak: 'break-word' }),
});
