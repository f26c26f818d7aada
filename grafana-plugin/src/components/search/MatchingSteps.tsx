/**
 * The steps a reasoning search matched (`GET /steps?q=`), shown under the
 * search box with the matching snippet marked: the collector's snippet when
 * it sends one, else the step's reasoning with the search words marked here.
 * Each hit opens its execution.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { LoadingPlaceholder, Text, useStyles2 } from '@grafana/ui';
import { Link } from 'react-router-dom';
import { useAsyncQuery, useCollectorClient } from '../../api/hooks';
import type { Step, TimeWindow } from '../../api/types';
import { executionUrl } from '../../constants';
import { findWordPrefixMatches, fromCollectorSnippet } from '../../data/snippet';
import { useLinkWithTimeContext } from '../../hooks/use-url-state';
import { QueryError } from '../common/QueryError';
import { StatusBadge } from '../common/StatusBadge';
import { testIds } from '../testIds';
import { MarkedSnippet } from './MarkedSnippet';

const SHOWN_HITS = 20;

/** What to show of a hit: the collector's snippet, else the reasoning marked where the search words start words. */
export function hitSnippet(step: Step, search: string) {
  if (step.snippet) {
    return { field: step.snippet.field, ...fromCollectorSnippet(step.snippet) };
  }
  return { field: 'reasoning', text: step.reasoning, ranges: findWordPrefixMatches(step.reasoning, search) };
}

export function MatchingSteps(props: {
  window: TimeWindow;
  q: string;
  pipeline?: string;
  environment?: string;
  refreshKey: number;
}) {
  const styles = useStyles2(getStyles);
  const client = useCollectorClient();
  const link = useLinkWithTimeContext();
  const { window, q, pipeline, environment, refreshKey } = props;
  const hits = useAsyncQuery(JSON.stringify([window, q, pipeline, environment, refreshKey]), () =>
    client.searchSteps({ ...window, q, pipeline, environment, limit: SHOWN_HITS })
  );
  return (
    <div className={styles.box}>
      <Text weight="medium">Steps matching “{q}”</Text>
      <QueryError title="Could not search steps" error={hits.error} />
      {hits.loading && !hits.value && <LoadingPlaceholder text="Searching steps…" />}
      {hits.value?.steps.length === 0 && <Text color="secondary">No step matches.</Text>}
      {hits.value?.steps.map((step) => {
        const snippet = hitSnippet(step, q);
        return (
          <div key={`${step.executionId}/${step.spanId}`} className={styles.hit} data-testid={testIds.snippet.hit}>
            <Link to={link(executionUrl(step.executionId))} className={styles.link}>
              {step.name}
            </Link>
            <StatusBadge status={step.status} />
            <span className={styles.meta}>
              {step.pipeline} · {snippet.field}
            </span>
            <MarkedSnippet text={snippet.text} ranges={snippet.ranges} />
          </div>
        );
      })}
      {hits.value?.nextCursor && <Text color="secondary">The first {SHOWN_HITS} matching steps are shown.</Text>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    padding: theme.spacing(1, 2),
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    maxHeight: 260,
    overflow: 'auto',
  }),
  hit: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(140px, auto) auto minmax(120px, auto) 1fr',
    gap: theme.spacing(1),
    alignItems: 'baseline',
  }),
  link: css({ color: theme.colors.text.link, fontFamily: theme.typography.fontFamilyMonospace }),
  meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
