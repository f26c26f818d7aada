/**
 * A snippet of step text with its matches marked: each segment is a React
 * text node (matches inside `<mark>`), so nothing a pipeline recorded is
 * ever parsed as HTML.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { excerpt, type TextRange, toSegments } from '../../data/snippet';
import { testIds } from '../testIds';

export function MarkedSnippet({
  text,
  ranges,
  maxChars = 240,
}: {
  text: string;
  ranges: TextRange[];
  maxChars?: number;
}) {
  const styles = useStyles2(getStyles);
  const cut = excerpt(text, ranges, maxChars);
  return (
    <span className={styles.snippet} data-testid={testIds.snippet.container}>
      {toSegments(cut.text, cut.ranges).map((segment, index) =>
        segment.marked ? (
          <mark key={index} className={styles.mark} data-testid={testIds.snippet.match}>
            {segment.text}
          </mark>
        ) : (
          <React.Fragment key={index}>{segment.text}</React.Fragment>
        )
      )}
    </span>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  snippet: css({ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }),
  mark: css({
    background: theme.colors.warning.transparent,
    color: theme.colors.text.maxContrast,
    borderRadius: theme.shape.radius.default,
    padding: '0 1px',
  }),
});
